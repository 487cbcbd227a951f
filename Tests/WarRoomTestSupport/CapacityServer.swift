import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP server on loopback with a fixed capacity, for HAProxy tests that need real
/// overload: it serves `concurrency` requests at a time, each taking `serviceMilliseconds`,
/// lets up to `queue` more wait, and answers anything beyond that with a 503 at once. Health
/// checks (`GET /health`) are answered at once, outside the capacity.
///
/// Threads, not processes: one accepts, one serves each connection. `stop()` (or deinit)
/// closes the listening socket; connections in progress finish on their own.
public final class CapacityServer: @unchecked Sendable {
    // @unchecked Sendable: `waiting` and `stopped` are guarded by `lock`; the rest is immutable
    // or a thread-safe semaphore.
    public let port: Int
    public let concurrency: Int
    public let queue: Int
    public let serviceMilliseconds: Int
    private let listener: Int32
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var waiting = 0
    private var stopped = false
    private var counts = (served: 0, refused: 0)

    /// Starts listening on a free loopback port.
    public init(concurrency: Int, queue: Int, serviceMilliseconds: Int) throws {
        self.concurrency = concurrency
        self.queue = queue
        self.serviceMilliseconds = serviceMilliseconds
        slots = DispatchSemaphore(value: concurrency)
        (listener, port) = try HAProxyFixture.listenOnLoopback(backlog: 256, what: "capacity server")
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// Requests served with a 200, and refused with a 503 because the queue was full.
    public var served: Int { lock.withLock { counts.served } }
    public var refused: Int { lock.withLock { counts.refused } }

    /// Stops accepting connections.
    public func stop() {
        let first: Bool = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        HAProxyFixture.setReceiveTimeout(fd, seconds: 5)
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeaderEnd {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            guard count > 0 else { return }
            request += chunk[0..<count]
        }
        let health = request.starts(with: Array("GET /health".utf8))
        if !health {
            let admitted: Bool = lock.withLock {
                guard waiting < concurrency + queue else {
                    counts.refused += 1
                    return false
                }
                waiting += 1
                return true
            }
            guard admitted else {
                try? HAProxyFixture.writeAll(fd, Array("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfull".utf8))
                return
            }
            slots.wait()
            usleep(useconds_t(serviceMilliseconds * 1000))
            slots.signal()
            lock.withLock {
                waiting -= 1
                counts.served += 1
            }
        }
        try? HAProxyFixture.writeAll(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".utf8))
    }
}

extension Array where Element == UInt8 {
    /// Whether the bytes of an HTTP request hold the blank line that ends its head.
    var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return true }
        return false
    }
}

/// A bounded load on loopback: `total` HTTP requests to `port` from `concurrency` clients at
/// once, one connection each, and what came back.
public enum LoadGenerator {
    /// Answers by HTTP status (`0` for a connection that failed or got no status line).
    public struct Result: Sendable {
        public var statuses: [Int: Int]
        public var total: Int { statuses.values.reduce(0, +) }
        public func count(_ status: Int) -> Int { statuses[status] ?? 0 }
    }

    /// Sends the requests and waits for every answer (each client gives up after 10 s).
    public static func run(port: Int, concurrency: Int, total: Int) -> Result {
        final class Shared: @unchecked Sendable {
            // @unchecked Sendable: both members are guarded by `lock`.
            let lock = NSLock()
            var left: Int
            var statuses: [Int: Int] = [:]
            init(_ total: Int) { left = total }
        }
        let shared = Shared(total)
        let group = DispatchGroup()
        for _ in 0..<concurrency {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while shared.lock.withLock({ () -> Bool in
                    guard shared.left > 0 else { return false }
                    shared.left -= 1
                    return true
                }) {
                    let status = request(port: port)
                    shared.lock.withLock { shared.statuses[status, default: 0] += 1 }
                }
            }
            thread.start()
        }
        group.wait()
        return Result(statuses: shared.lock.withLock { shared.statuses })
    }

    /// One `GET /` with its own connection; the status, or 0.
    static func request(port: Int) -> Int {
        let fd = socket(AF_INET, HAProxyFixture.streamType, 0)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var address = HAProxyFixture.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return 0 }
        HAProxyFixture.setReceiveTimeout(fd, seconds: 10)
        guard (try? HAProxyFixture.writeAll(fd, Array("GET / HTTP/1.1\r\nHost: warroom.test\r\nConnection: close\r\n\r\n".utf8))) != nil,
            let answer = try? HAProxyFixture.readAll(fd)
        else { return 0 }
        let text = String(decoding: answer.prefix(12), as: UTF8.self)
        guard text.hasPrefix("HTTP/1."), text.count >= 12 else { return 0 }
        return Int(text.dropFirst(9).prefix(3)) ?? 0
    }
}
