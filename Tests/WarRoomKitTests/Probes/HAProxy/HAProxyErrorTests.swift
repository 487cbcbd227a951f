import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a responder sees when the target is not a working HAProxy: the session still opens,
/// and every call says what is wrong, where, and what to do.
@Suite struct HAProxyErrorTests {
    let now = Instant(milliseconds: 1_700_000_000_000)

    @Test func aMissingSocketOpensTheTargetAndNamesThePath() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("haproxy.sock")
        let target = try HAProxyTarget(address: "haproxy:\(path)")
        #expect(target.connectionProblem == .socketMissing(path: path))
        #expect(target.label == "haproxy:\(path)")
        #expect(throws: HAProxyError.socketMissing(path: path)) { try target.snapshot(at: now) }
        #expect(throws: HAProxyError.socketMissing(path: path)) { try target.setWeight(10, server: "web1", at: now) }
        let message = "\(HAProxyError.socketMissing(path: path))"
        #expect(message.contains(path) && message.contains("start HAProxy or fix the path"))
    }

    @Test func aFileThatIsNotASocketIsNamedAsSuch() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("haproxy.cfg")
        try "global\n".write(toFile: path, atomically: true, encoding: .utf8)
        let target = try HAProxyTarget(address: "haproxy:\(path)")
        #expect(target.connectionProblem == .notASocket(path: path))
    }

    @Test func aStaleSocketIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("stale.sock")
        // A socket file nobody listens on: what a crashed HAProxy leaves behind.
        let fd = socket(AF_UNIX, HAProxyFixture.streamType, 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(bound == 0, "binding the stale socket: \(String(cString: strerror(errno)))")
        let target = try HAProxyTarget(address: "haproxy:\(path)")
        #expect(target.connectionProblem == .connectionRefused(endpoint: path))
    }

    @Test func aClosedTCPPortIsRefused() throws {
        let closed = try HAProxyFixture.ClosedPort()
        let port = closed.port
        let target = try HAProxyTarget(address: "haproxy:127.0.0.1:\(port)")
        #expect(target.connectionProblem == .connectionRefused(endpoint: "127.0.0.1:\(port)"))
        #expect(throws: HAProxyError.connectionRefused(endpoint: "127.0.0.1:\(port)")) { try target.snapshot(at: now) }
        #expect("\(target.connectionProblem!)".contains("nothing accepts connections there"))
        withExtendedLifetime(closed) {}
    }

    @Test(arguments: [
        ("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n\\r\\n", "an HTTP server"),
        ("\u{16}\u{03}\u{01}\u{00}\u{02}garbage", "\\x16\\x03\\x01\\x00\\x02garbage", "'\\x16\\x03\\x01\\x00\\x02garbage'"),
        ("", "", "it answered nothing and closed the connection"),
        ("hello from redis\n", "hello from redis\\n", "point the target at the address of a `stats socket` line"),
    ])
    func aServerThatIsNotHAProxyIsCalledOut(answer: String, excerpt: String, hint: String) throws {
        let server = try ScriptedServer(answer: Array(answer.utf8))
        defer { server.stop() }
        let target = try HAProxyTarget(address: "haproxy:127.0.0.1:\(server.port)")
        let problem = try #require(target.connectionProblem)
        #expect(problem == .notHAProxy(endpoint: "127.0.0.1:\(server.port)", command: "show stat", answer: excerpt))
        #expect("\(problem)".contains(hint))
        #expect("\(problem)".hasPrefix("127.0.0.1:\(server.port) is not HAProxy's runtime API"))
        #expect(throws: problem) { try target.snapshot(at: now) }
    }

    @Test func aSilentServerTimesOut() throws {
        let server = try ScriptedServer(answer: nil)
        defer { server.stop() }
        let target = try HAProxyTarget(address: "haproxy:127.0.0.1:\(server.port),timeout=150ms")
        #expect(target.connectionProblem == .timedOut(endpoint: "127.0.0.1:\(server.port)", command: "show stat", milliseconds: 150))
        #expect("\(target.connectionProblem!)".contains("within 150 ms"))
    }

    @Test func haproxysOwnErrorLinesBecomeTheirCases() throws {
        let unknown = try ScriptedServer(answer: Array("Unknown command, but maybe one of the following ones is a better match:\n  help\n\n".utf8))
        defer { unknown.stop() }
        let client = HAProxyClient(endpoint: .tcp(host: "127.0.0.1", port: unknown.port))
        #expect(throws: HAProxyError.unknownCommand(endpoint: "127.0.0.1:\(unknown.port)", command: "show servers state")) {
            try client.showServersState()
        }
        #expect(throws: HAProxyError.invalidName("app;shutdown")) { try client.setWeight(1, backend: "app;shutdown", server: "web1") }
    }
}
