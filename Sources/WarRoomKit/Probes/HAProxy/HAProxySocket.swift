import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One exchange with HAProxy's runtime API in its non-interactive mode: connect, send one
/// command line, read until HAProxy closes the connection.
///
/// A connection per command is what HAProxy expects from scripts, and it means a reloaded or
/// restarted HAProxy is simply picked up by the next command: there is no session to go stale.
/// The socket is non-blocking and every wait goes through `poll` with the time-out, so a
/// silent peer never hangs the shell; and once a question to it timed out, the next ones fail
/// at once until a time-out has passed, so a command that asks several things waits once.
enum HAProxySocket {
    /// Answers larger than this are not HAProxy's (a `show stat` of ten thousand servers is
    /// about 15 MB); the cap stops a misdirected stream from filling memory.
    static let answerLimit = 256 << 20

    /// Sends `command` and returns everything HAProxy answered.
    /// - Parameters:
    ///   - command: one command line, without the newline.
    ///   - endpoint: where the runtime API listens.
    ///   - timeoutMilliseconds: the longest wait to connect, and then for each next piece of the answer.
    /// - Returns: the answer's bytes, as sent.
    /// - Throws: `HAProxyError` naming the endpoint: missing socket, permission, refused, reset, time-out.
    static func exchange(_ command: String, with endpoint: HAProxyEndpoint, timeoutMilliseconds: Int) throws(HAProxyError) -> [UInt8] {
        let key = endpoint.description
        // One bounded wait per command: a peer that just let a question time out is not waited
        // for again until a time-out has passed (a probe asks HAProxy several things).
        let now = monotonicMilliseconds()
        if let until = silent.withLock({ $0[key] }), now < until {
            throw .timedOut(endpoint: key, command: command, milliseconds: timeoutMilliseconds)
        }
        do {
            let fd = try openConnection(to: endpoint, timeoutMilliseconds: timeoutMilliseconds)
            defer { _ = close(fd) }
            try sendAll(Array((command + "\n").utf8), fd: fd, endpoint: endpoint, command: command, timeoutMilliseconds: timeoutMilliseconds)
            let answer = try readToEnd(fd: fd, endpoint: endpoint, command: command, timeoutMilliseconds: timeoutMilliseconds)
            silent.withLock { _ = $0.removeValue(forKey: key) }
            return answer
        } catch {
            if case .timedOut = error {
                let until = monotonicMilliseconds() + Int64(timeoutMilliseconds)
                silent.withLock { $0[key] = until }
            }
            throw error
        }
    }

    /// Endpoints whose last question timed out, with when to wait for them again (monotonic ms).
    private static let silent = Mutex<[String: Int64]>([:])

    private static func monotonicMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    // MARK: - Connecting

    private static func openConnection(to endpoint: HAProxyEndpoint, timeoutMilliseconds: Int) throws(HAProxyError) -> Int32 {
        switch endpoint {
        case .unix(let path):
            return try connectUnix(path: path, endpoint: endpoint, timeoutMilliseconds: timeoutMilliseconds)
        case .tcp(let host, let port):
            return try connectTCP(host: host, port: port, endpoint: endpoint, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    private static func connectUnix(path: String, endpoint: HAProxyEndpoint, timeoutMilliseconds: Int) throws(HAProxyError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            throw .invalidAddress(text: HAProxyAddress.scheme + path, reason: "a Unix socket path may be at most \(capacity - 1) bytes, this one is \(pathBytes.count)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = try openSocket(family: AF_UNIX, endpoint: endpoint)
        let outcome = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connectWithTimeout(fd: fd, address: $0, length: socklen_t(MemoryLayout<sockaddr_un>.size), timeoutMilliseconds: timeoutMilliseconds)
            }
        }
        switch outcome {
        case .connected:
            return fd
        case .timedOut:
            _ = close(fd)
            throw .timedOut(endpoint: endpoint.description, command: nil, milliseconds: timeoutMilliseconds)
        case .failed(let code):
            _ = close(fd)
            switch code {
            case ENOENT, ENOTDIR: throw .socketMissing(path: path)
            case EACCES, EPERM: throw .permissionDenied(path: path)
            case ECONNREFUSED:
                // Linux refuses both a stale socket file and a regular file; say which.
                var info = stat()
                if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFSOCK { throw .notASocket(path: path) }
                throw .connectionRefused(endpoint: endpoint.description)
            case EAGAIN:
                throw .socketFailure(endpoint: endpoint.description, operation: "connect", reason: "the socket's queue is full, HAProxy is not accepting connections; retry in a moment")
            default:
                throw .socketFailure(endpoint: endpoint.description, operation: "connect", reason: systemMessage(code))
            }
        }
    }

    private static func connectTCP(host: String, port: Int, endpoint: HAProxyEndpoint, timeoutMilliseconds: Int) throws(HAProxyError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamType
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .unresolvedHost(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }

        // Try each address the name resolves to, as clients do; report the last failure.
        var lastError = HAProxyError.connectionRefused(endpoint: endpoint.description)
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            next = info.pointee.ai_next
            let fd = try openSocket(family: info.pointee.ai_family, endpoint: endpoint)
            switch connectWithTimeout(fd: fd, address: info.pointee.ai_addr, length: info.pointee.ai_addrlen, timeoutMilliseconds: timeoutMilliseconds) {
            case .connected:
                return fd
            case .timedOut:
                lastError = .timedOut(endpoint: endpoint.description, command: nil, milliseconds: timeoutMilliseconds)
            case .failed(let code):
                switch code {
                case ECONNREFUSED: lastError = .connectionRefused(endpoint: endpoint.description)
                case ETIMEDOUT: lastError = .timedOut(endpoint: endpoint.description, command: nil, milliseconds: timeoutMilliseconds)
                default: lastError = .socketFailure(endpoint: endpoint.description, operation: "connect", reason: systemMessage(code))
                }
            }
            _ = close(fd)
        }
        throw lastError
    }

    private static func openSocket(family: Int32, endpoint: HAProxyEndpoint) throws(HAProxyError) -> Int32 {
        let fd = socket(family, streamType, 0)
        guard fd >= 0 else {
            throw .socketFailure(endpoint: endpoint.description, operation: "socket", reason: systemMessage(errno))
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        #if canImport(Darwin)
        // Darwin has no MSG_NOSIGNAL: a peer that hangs up must not kill the process with SIGPIPE.
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        return fd
    }

    private enum ConnectOutcome {
        case connected
        case timedOut
        case failed(Int32)
    }

    private static func connectWithTimeout(fd: Int32, address: UnsafePointer<sockaddr>, length: socklen_t, timeoutMilliseconds: Int) -> ConnectOutcome {
        if connect(fd, address, length) == 0 { return .connected }
        let code = errno
        guard code == EINPROGRESS || code == EINTR else { return .failed(code) }
        switch wait(fd: fd, for: Int16(POLLOUT), timeoutMilliseconds: timeoutMilliseconds) {
        case .ready:
            var pending: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &size) == 0 else { return .failed(errno) }
            return pending == 0 ? .connected : .failed(pending)
        case .timedOut:
            return .timedOut
        case .failed(let code):
            return .failed(code)
        }
    }

    // MARK: - Sending and reading

    private static func sendAll(_ bytes: [UInt8], fd: Int32, endpoint: HAProxyEndpoint, command: String, timeoutMilliseconds: Int) throws(HAProxyError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, noSignal)
            }
            if sent >= 0 {
                offset += sent
                continue
            }
            let code = errno
            switch code {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                switch wait(fd: fd, for: Int16(POLLOUT), timeoutMilliseconds: timeoutMilliseconds) {
                case .ready: continue
                case .timedOut: throw .timedOut(endpoint: endpoint.description, command: command, milliseconds: timeoutMilliseconds)
                case .failed(let code): throw .socketFailure(endpoint: endpoint.description, operation: "poll", reason: systemMessage(code))
                }
            case EPIPE, ECONNRESET:
                throw .connectionReset(endpoint: endpoint.description, command: command)
            default:
                throw .socketFailure(endpoint: endpoint.description, operation: "send", reason: systemMessage(code))
            }
        }
    }

    private static func readToEnd(fd: Int32, endpoint: HAProxyEndpoint, command: String, timeoutMilliseconds: Int) throws(HAProxyError) -> [UInt8] {
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress!, raw.count) }
            if count > 0 {
                answer.append(contentsOf: chunk[0..<count])
                guard answer.count <= answerLimit else {
                    throw .notHAProxy(endpoint: endpoint.description, command: command, answer: HAProxyError.excerpt(answer))
                }
                continue
            }
            if count == 0 { return answer }
            let code = errno
            switch code {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                switch wait(fd: fd, for: Int16(POLLIN), timeoutMilliseconds: timeoutMilliseconds) {
                case .ready: continue
                case .timedOut: throw .timedOut(endpoint: endpoint.description, command: command, milliseconds: timeoutMilliseconds)
                case .failed(let code): throw .socketFailure(endpoint: endpoint.description, operation: "poll", reason: systemMessage(code))
                }
            case ECONNRESET, EPIPE:
                throw .connectionReset(endpoint: endpoint.description, command: command)
            default:
                throw .socketFailure(endpoint: endpoint.description, operation: "read", reason: systemMessage(code))
            }
        }
    }

    private enum WaitOutcome {
        case ready
        case timedOut
        case failed(Int32)
    }

    /// Waits until the socket is readable or writable (or in error, which the next call reports).
    private static func wait(fd: Int32, for events: Int16, timeoutMilliseconds: Int) -> WaitOutcome {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let status = poll(&entry, 1, Int32(clamping: timeoutMilliseconds))
            if status > 0 { return .ready }
            if status == 0 { return .timedOut }
            if errno != EINTR { return .failed(errno) }
        }
    }

    // MARK: - Platform differences

    #if canImport(Darwin)
    private static let streamType = SOCK_STREAM
    private static let noSignal: Int32 = 0
    #else
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #endif

    private static func systemMessage(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
