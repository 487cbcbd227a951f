import Dispatch
import NIOCore
import Synchronization
import NIOHTTP1
import NIOPosix

/// A request as the handler sees it: the whole body read (up to the server's limit).
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// `127.0.0.1:53412`.
    public var remote: String
    /// The body was longer than the server takes: it was not read, and `body` is empty (answer 413).
    public var bodyTooLarge = false

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: String
    public var contentType: String
    public var headers: [(name: String, value: String)]

    public init(status: Int, body: String, contentType: String = "text/plain; charset=utf-8", headers: [(name: String, value: String)] = []) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }
}

/// An HTTP/1.1 server on SwiftNIO whose handler runs one request at a time, off the event
/// loop, on one queue: what it records is decided and written in the order requests arrive,
/// and a slow write never stalls reading the next request.
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    /// The port bound (the one asked for, or the one the system chose for 0).
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let queue: DispatchQueue
    /// Set by `stop`: a request that comes on a kept-alive connection afterwards is answered
    /// 503 and never handled, so nothing is recorded once the stop has waited for the queue.
    private let stopping: Stopping

    /// A connection that sends nothing for this long is closed (a client that stalls cannot
    /// hold descriptors forever).
    public static let idleSeconds: Int64 = 120

    final class Stopping: Sendable {
        let flag = Mutex(false)
        var isSet: Bool { flag.withLock { $0 } }
    }

    /// Binds and starts serving.
    /// - Parameters:
    ///   - host: an address to listen on (`127.0.0.1`, `0.0.0.0`, `::1`).
    ///   - maximumBody: a larger body is answered 413 without reaching the handler.
    /// - Throws: NIO's error when the address cannot be bound.
    public init(host: String, port: Int, maximumBody: Int, handler: @escaping Handler) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let queue = DispatchQueue(label: "warroom.http.handler")
        let stopping = Stopping()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(HTTPServer.idleSeconds)))
                    try channel.pipeline.syncOperations.addHandler(IdleCloser())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(maximumBody: maximumBody, queue: queue, stopping: stopping, handler: handler))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.group = group
        self.queue = queue
        self.stopping = stopping
        self.port = channel.localAddress?.port ?? port
    }

    /// Stops accepting, lets the requests being handled finish and answer, then closes.
    public func stop() {
        stopping.flag.withLock { $0 = true }
        try? channel.close().wait()
        // Every handler queued has run once this returns; their answers are on the loop.
        queue.sync {}
        try? group.next().submit {}.wait()
        try? group.syncShutdownGracefully()
    }
}

/// Reads one request (head, body, end), hands it to the queue, writes the answer back on the
/// channel's loop.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let maximumBody: Int
    let queue: DispatchQueue
    let stopping: HTTPServer.Stopping
    let handler: HTTPServer.Handler
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(maximumBody: Int, queue: DispatchQueue, stopping: HTTPServer.Stopping, handler: @escaping HTTPServer.Handler) {
        self.maximumBody = maximumBody
        self.queue = queue
        self.stopping = stopping
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            tooLarge = false
        case .body(var chunk):
            if body.count + chunk.readableBytes > maximumBody {
                tooLarge = true
            } else if !tooLarge, let bytes = chunk.readBytes(length: chunk.readableBytes) {
                body += bytes
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive && !tooLarge
            var request = HTTPRequest(
                method: head.method.rawValue, path: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: tooLarge ? [] : body,
                remote: context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?")
            request.bodyTooLarge = tooLarge
            let received = request
            body = []
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            let handler = self.handler
            let stopping = self.stopping
            queue.async {
                let response = stopping.isSet ? HTTPResponse(status: 503, body: "stopping; send it again\n") : handler(received)
                loop.execute {
                    let (this, context) = bound.value
                    this.respond(context: context, response, version: head.version, keepAlive: keepAlive)
                }
            }
        }
    }

    private func respond(context: ChannelHandlerContext, _ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool) {
        var buffer = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        buffer.writeString(response.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(buffer.readableBytes)")
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        for header in response.headers { headers.add(name: header.name, value: header.value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}

/// Closes a connection that has sent nothing for `HTTPServer.idleSeconds`.
private final class IdleCloser: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
