import Foundation
import WarRoomKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real HAProxy on loopback for one test: a frontend, a backend `app` of four servers (three
/// answer 200, one points at a closed port and is DOWN), fast health checks, and stats sockets
/// at `level admin` and `level user` in a temporary folder.
///
/// With `capacity`, the backend's servers are `CapacityServer`s instead (all alive, each
/// serving a few requests at a time), HAProxy holds each to that many connections (`maxconn`)
/// and queues the rest for `timeout queue`: overload as it happens in production, on loopback.
///
/// Use `HAProxyFixture.run { fixture in … }`: HAProxy is stopped by its pid when the body ends,
/// whether it returned or threw.
public final class HAProxyFixture {
    /// A server of the backend as configured.
    public struct Server: Sendable {
        public var name: String
        public var weight: Int
        public var port: Int
        /// Whether something answers on its port (the last server points at a closed one).
        public var alive: Bool
    }

    /// What can stop the fixture; each says what to do.
    public enum Failure: Error, CustomStringConvertible {
        /// No haproxy binary on this machine.
        case notInstalled(searched: [String])
        /// haproxy refused the configuration or did not start.
        case startFailed(status: Int32, log: String)
        /// HAProxy did not reach the expected health within the time allowed.
        case notReady(seconds: Int, lastAnswer: String)
        /// A socket operation of the fixture's own failed.
        case socket(String)

        public var description: String {
            switch self {
            case .notInstalled(let searched):
                return "haproxy is not installed (looked in \(searched.joined(separator: ", "))): these tests need a real HAProxy; install it with `apt-get install haproxy` (CI does) or set HAPROXY to its path"
            case .startFailed(let status, let log):
                return "haproxy exited with status \(status) instead of starting: \(log)"
            case .notReady(let seconds, let lastAnswer):
                return "HAProxy's health checks did not settle within \(seconds)s (dead server DOWN, the others UP); last show stat: \(lastAnswer)"
            case .socket(let message):
                return message
            }
        }
    }

    public let folder: TemporaryFolder
    public let haproxyPath: String
    /// The stats socket at `level admin`.
    public let adminSocket: String
    /// The stats socket at `level user` (reads only).
    public let userSocket: String
    /// The frontend clients send requests to.
    public let frontendPort: Int
    /// The backend with the servers.
    public let backend = "app"
    /// Where HAProxy's built-in Prometheus exporter answers `GET /metrics` (frontend `metrics`), when started with `exporter: true`.
    public let exporterPort: Int?
    /// A second backend with servers, present when started with `secondBackend: true`.
    public let secondBackend: String?
    public let servers: [Server]
    /// Servers of limited capacity behind the backend, for load tests.
    public struct Capacity: Sendable {
        /// Servers in the backend.
        public var servers: Int
        /// Requests each serves at once; also its `maxconn` in HAProxy.
        public var concurrency: Int
        /// Milliseconds each request takes.
        public var serviceMilliseconds: Int
        /// HAProxy's `timeout queue`: how long a request waits for a free server.
        public var queueTimeoutMilliseconds: Int

        public init(servers: Int = 3, concurrency: Int = 2, serviceMilliseconds: Int = 100, queueTimeoutMilliseconds: Int = 200) {
            self.servers = servers
            self.concurrency = concurrency
            self.serviceMilliseconds = serviceMilliseconds
            self.queueTimeoutMilliseconds = queueTimeoutMilliseconds
        }
    }

    /// The load-test servers, when started with `capacity`.
    public let capacityServers: [CapacityServer]
    private let capacity: Capacity?
    /// HAProxy's process id, from its pidfile.
    public private(set) var pid: Int32 = 0
    /// Keeps the dead server's port closed, and out of other tests' hands, while HAProxy runs.
    private let closedPort: ClosedPort
    private var stopped = false

    /// Starts HAProxy, runs `body`, and stops HAProxy afterwards even when `body` throws.
    /// - Parameters:
    ///   - secondBackend: also configure a backend `api` with servers, so that none is the only one.
    ///   - body: the test.
    public static func run<T>(secondBackend: Bool = false, capacity: Capacity? = nil, exporter: Bool = false, _ body: (HAProxyFixture) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                let fixture = try HAProxyFixture(secondBackend: secondBackend, capacity: capacity, exporter: exporter)
                defer { fixture.stop() }
                return try body(fixture)
            } catch Failure.startFailed(_, let log) where log.contains("cannot bind") && attempt < 3 {
                // A port found free was taken by another test before HAProxy bound it: new ports.
                attempt += 1
            }
        }
    }

    /// A loopback port that refuses connections for as long as this value lives: bound, so
    /// nothing else can take it, but never listening.
    public final class ClosedPort: Sendable {
        public let port: Int
        private let fd: Int32

        public init() throws {
            let fd = socket(AF_INET, HAProxyFixture.streamType, 0)
            var address = HAProxyFixture.loopback(port: 0)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard fd >= 0, bound == 0 else {
                if fd >= 0 { close(fd) }
                throw Failure.socket("reserving a closed port: \(String(cString: strerror(errno)))")
            }
            var size = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
            self.fd = fd
        }

        deinit {
            close(fd)
        }
    }

    /// Writes the configuration, starts `haproxy -f cfg -D -p pidfile`, and waits (by polling
    /// the admin socket, bounded) until the dead server is DOWN and the others are UP.
    public init(secondBackend: Bool = false, weights: [Int] = [100, 50, 50, 100], capacity: Capacity? = nil, exporter: Bool = false) throws {
        haproxyPath = try Self.findHAProxy()
        folder = try TemporaryFolder()
        adminSocket = folder.file("admin.sock")
        userSocket = folder.file("user.sock")
        let ports = try Self.freePorts(weights.count + 1)
        exporterPort = exporter ? ports[weights.count] : nil
        let closed = try ClosedPort()
        closedPort = closed
        frontendPort = ports[0]
        self.capacity = capacity
        if let capacity {
            let started = try (0..<capacity.servers).map { _ in
                try CapacityServer(concurrency: capacity.concurrency, queue: 4 * capacity.concurrency, serviceMilliseconds: capacity.serviceMilliseconds)
            }
            capacityServers = started
            servers = started.enumerated().map { Server(name: "web\($0 + 1)", weight: 100, port: $1.port, alive: true) }
        } else {
            capacityServers = []
            servers = weights.enumerated().map { index, weight in
                let alive = index < weights.count - 1
                return Server(name: "web\(index + 1)", weight: weight, port: alive ? ports[index + 1] : closed.port, alive: alive)
            }
        }
        self.secondBackend = secondBackend ? "api" : nil

        let config = folder.file("haproxy.cfg")
        try configuration().write(toFile: config, atomically: true, encoding: .utf8)
        let pidFile = folder.file("haproxy.pid")
        // With -D, haproxy returns as soon as the daemon runs, and the daemon closes its
        // standard descriptors, so the output ends with it.
        let started = try ChildProcess.run(haproxyPath, ["-f", config, "-D", "-p", pidFile], environment: ProcessInfo.processInfo.environment, seconds: 10)
        let status = started.status
        let logText = started.stdout + started.stderr
        guard status == 0,
            let pidText = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            folder.cleanUp()
            throw Failure.startFailed(status: status, log: logText.replacingOccurrences(of: "\n", with: " | "))
        }
        self.pid = pid
        do {
            try waitUntilSettled()
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Stops HAProxy by its pid and removes the temporary folder; safe to call twice.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        capacityServers.forEach { $0.stop() }
        guard pid > 0 else { return folder.cleanUp() }
        kill(pid, SIGTERM)
        // Bounded: HAProxy exits within milliseconds of SIGTERM; SIGKILL if it does not.
        for attempt in 0..<400 where Self.isRunning(pid) {
            if attempt == 200 { kill(pid, SIGKILL) }
            usleep(10_000)
        }
        folder.cleanUp()
    }

    /// Reloads HAProxy as an operator would (`-sf OLDPID`): a new process takes the sockets
    /// and the old one finishes; the pid changes, the counters start again.
    public func reload() throws {
        let config = folder.file("haproxy.cfg")
        let pidFile = folder.file("haproxy.pid")
        let old = pid
        let started = try ChildProcess.run(haproxyPath, ["-f", config, "-D", "-p", pidFile, "-sf", String(old)], environment: ProcessInfo.processInfo.environment, seconds: 10)
        guard started.status == 0, let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let new = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), new != old else {
            throw Failure.startFailed(status: started.status, log: (started.stdout + started.stderr).replacingOccurrences(of: "\n", with: " | "))
        }
        pid = new
        for _ in 0..<200 where Self.isRunning(old) { usleep(10_000) }
        try waitUntilSettled()
    }

    /// The live servers.
    public var liveServers: [Server] { servers.filter(\.alive) }

    /// The server that points at a closed port.
    public var deadServer: Server { servers.first { !$0.alive }! }

    /// A frontend's or backend's counter, asked directly (`req_tot`, `hrsp_5xx` …).
    public func proxyStat(_ column: String, proxy: String, kind: String) throws -> Int {
        let lines = try ask("show stat \(proxy) -1 -1").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        guard let header = lines.first, let position = header.firstIndex(where: { $0 == column || $0 == "# \(column)" }),
            let line = lines.first(where: { $0.count > position && $0[0] == proxy && $0[1] == kind }), let value = Int(line[position])
        else { throw Failure.socket("no \(column) for \(proxy)/\(kind) in show stat") }
        return value
    }

    // MARK: - Talking to it

    /// Sends one command on the admin socket (or another path) with plain blocking sockets,
    /// independent of the client under test, and returns the answer.
    public func ask(_ command: String, socket path: String? = nil) throws -> String {
        let fd = socket(AF_UNIX, Self.streamType, 0)
        guard fd >= 0 else { throw Failure.socket("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array((path ?? adminSocket).utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw Failure.socket("connect \(path ?? adminSocket): \(String(cString: strerror(errno)))") }
        Self.setReceiveTimeout(fd, seconds: 5)
        try Self.writeAll(fd, Array((command + "\n").utf8))
        return String(decoding: try Self.readAll(fd), as: UTF8.self)
    }

    /// A field of one server's `show stat` line, asked directly.
    public func stat(_ column: String, server: String) throws -> String {
        let lines = try ask("show stat \(backend) 4 -1").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        guard let header = lines.first, let position = header.firstIndex(where: { $0 == column || $0 == "# \(column)" }),
            let line = lines.first(where: { $0.count > position && $0[1] == server })
        else { throw Failure.socket("no \(column) for \(server) in show stat") }
        return String(line[position])
    }

    /// Sends `count` HTTP requests to the frontend, one connection each, and returns how many got a 200.
    public func sendRequests(_ count: Int) throws -> Int {
        var ok = 0
        for _ in 0..<count {
            let fd = socket(AF_INET, Self.streamType, 0)
            guard fd >= 0 else { throw Failure.socket("socket: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var address = Self.loopback(port: frontendPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw Failure.socket("connect to the frontend: \(String(cString: strerror(errno)))") }
            Self.setReceiveTimeout(fd, seconds: 5)
            try Self.writeAll(fd, Array("GET / HTTP/1.1\r\nHost: warroom.test\r\nConnection: close\r\n\r\n".utf8))
            if String(decoding: try Self.readAll(fd), as: UTF8.self).hasPrefix("HTTP/1.1 200") { ok += 1 }
        }
        return ok
    }

    // MARK: - Setting up

    private func configuration() -> String {
        var text = """
            global
                stats socket \(adminSocket) mode 600 level admin
                stats socket \(userSocket) mode 600 level user
                stats timeout 10s

            defaults
                mode http
                timeout connect 500ms
                timeout client 5s
                timeout server 5s
                # Generous, so that a busy test machine does not fail a live server's check.
                timeout check 1s
                timeout queue \(capacity?.queueTimeoutMilliseconds ?? 5000)ms
                retries 1

            frontend web
                bind 127.0.0.1:\(frontendPort)
                default_backend \(backend)

            backend \(backend)
                balance roundrobin
                option httpchk GET /health
                default-server inter 100ms fall 3 rise 1\(capacity.map { " maxconn \($0.concurrency)" } ?? "")

            """
        for server in servers {
            // The dead server goes DOWN at its first failed check; live ones need three in a row.
            text += "    server \(server.name) 127.0.0.1:\(server.port) check weight \(server.weight)\(server.alive ? "" : " fall 1")\n"
        }
        if let exporterPort {
            text += """

                frontend metrics
                    bind 127.0.0.1:\(exporterPort)
                    http-request use-service prometheus-exporter if { path /metrics }

                """
        }
        if let secondBackend {
            text += "\nbackend \(secondBackend)\n"
            for server in liveServers { text += "    server \(secondBackend)-\(server.name) 127.0.0.1:\(server.port)\n" }
        }
        for server in liveServers where capacity == nil {
            text += """

                frontend serve-\(server.name)
                    bind 127.0.0.1:\(server.port)
                    http-request return status 200 content-type text/plain string "\(server.name)"

                """
        }
        return text
    }

    /// Polls `show stat` until every server has been checked: the dead one DOWN, the others UP.
    private func waitUntilSettled() throws {
        var last = ""
        for _ in 0..<400 {
            if let answer = try? ask("show stat \(backend) 4 -1") {
                last = answer
                let rows = answer.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
                let header = answer.split(separator: "\n").first.map { $0.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
                if let statusAt = header.firstIndex(of: "status"), let checkAt = header.firstIndex(of: "check_status") {
                    let settled = servers.allSatisfy { server in
                        guard let row = rows.first(where: { $0.count > max(statusAt, checkAt) && $0[1] == server.name }) else { return false }
                        return server.alive ? row[statusAt] == "UP" && row[checkAt] == "L7OK" : row[statusAt] == "DOWN"
                    }
                    if settled { return }
                }
            }
            // Bounded polling for HAProxy's first health checks (100 ms apart), not a blind sleep.
            usleep(25_000)
        }
        throw Failure.notReady(seconds: 10, lastAnswer: last.replacingOccurrences(of: "\n", with: " | "))
    }

    private static func findHAProxy() throws -> String {
        var candidates: [String] = []
        if let given = ProcessInfo.processInfo.environment["HAPROXY"], !given.isEmpty { candidates.append(given) }
        candidates += ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/opt/homebrew/bin/haproxy", "/usr/local/bin/haproxy"]
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/haproxy" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure.notInstalled(searched: candidates)
        }
        return found
    }

    /// Loopback ports nothing listens on: bound to port 0 together (so they differ), then released.
    public static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, streamType, 0)
            guard fd >= 0 else { throw Failure.socket("socket: \(String(cString: strerror(errno)))") }
            sockets.append(fd)
            var address = loopback(port: 0)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw Failure.socket("bind: \(String(cString: strerror(errno)))") }
            var size = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
            }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    // MARK: - Plain sockets

    #if canImport(Darwin)
    public static let streamType = SOCK_STREAM
    #else
    public static let streamType = Int32(SOCK_STREAM.rawValue)
    #endif

    public static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// A socket listening on a free loopback port, for the test's own servers.
    /// - Returns: the listening descriptor and its port.
    public static func listenOnLoopback(backlog: Int32, what: String) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, streamType, 0)
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, backlog) == 0 else {
            if fd >= 0 { close(fd) }
            throw Failure.socket("\(what): \(String(cString: strerror(errno)))")
        }
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    public static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var limit = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            guard written > 0 else { throw Failure.socket("write: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    public static func readAll(_ fd: Int32) throws -> [UInt8] {
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count == 0 { return answer }
            guard count > 0 else { throw Failure.socket("read: \(String(cString: strerror(errno)))") }
            answer += chunk[0..<count]
        }
    }

    /// Whether the process exists and is not a zombie (a daemon is reparented, and not every
    /// container's first process reaps its children).
    private static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return !stat[close...].hasPrefix(") Z")
    }
}
