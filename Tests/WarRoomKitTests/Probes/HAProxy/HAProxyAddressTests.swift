import Testing
import WarRoomKit

@Suite struct HAProxyAddressTests {
    @Test(arguments: [
        ("haproxy:/run/haproxy/admin.sock", HAProxyEndpoint.unix(path: "/run/haproxy/admin.sock"), nil as String?, 2000),
        ("haproxy:./lb.sock", .unix(path: "./lb.sock"), nil, 2000),
        ("haproxy:lb.sock", .unix(path: "lb.sock"), nil, 2000),
        ("haproxy:127.0.0.1:9999", .tcp(host: "127.0.0.1", port: 9999), nil, 2000),
        ("haproxy:lb1.internal:9999,backend=app", .tcp(host: "lb1.internal", port: 9999), "app", 2000),
        ("haproxy:[::1]:9999,timeout=500ms", .tcp(host: "::1", port: 9999), nil, 500),
        ("haproxy:/tmp/a.sock,timeout=5s,backend=msg-pool.v2", .unix(path: "/tmp/a.sock"), "msg-pool.v2", 5000),
    ])
    func parsesTheAcceptedForms(text: String, endpoint: HAProxyEndpoint, backend: String?, timeout: Int) throws {
        let address = try HAProxyAddress(parsing: text)
        #expect(address.endpoint == endpoint)
        #expect(address.backend == backend)
        #expect(address.timeoutMilliseconds == timeout)
    }

    @Test func labelsNameTheEndpointAndBackendButNotTheTimeout() throws {
        #expect(try HAProxyAddress(parsing: "haproxy:/run/h.sock").description == "haproxy:/run/h.sock")
        #expect(try HAProxyAddress(parsing: "haproxy:[::1]:80,timeout=1s,backend=app").description == "haproxy:[::1]:80,backend=app")
    }

    @Test(arguments: [
        ("sim", "does not start with 'haproxy:'"),
        ("haproxy:", "no socket path or HOST:PORT"),
        ("haproxy:lb1:http", "port 'http' is not a number"),
        ("haproxy:lb1:70000", "port '70000' is not a number from 1 to 65535"),
        ("haproxy::9999", "no host before ':9999'"),
        ("haproxy:::1:9999", "write an IPv6 address in brackets"),
        ("haproxy:/x.sock,backnd=app", "unknown option 'backnd' (did you mean 'backend'?)"),
        ("haproxy:/x.sock,backend", "option 'backend' is not NAME=VALUE"),
        ("haproxy:/x.sock,backend=app;disable", "backend name 'app;disable' is empty or has characters"),
        ("haproxy:/x.sock,timeout=5", "timeout '5' is not a duration"),
    ])
    func rejectsBadAddressesSayingWhy(text: String, reason: String) {
        #expect {
            try HAProxyAddress(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.contains(reason) && message.contains("write haproxy:/path/to/admin.sock or haproxy:HOST:PORT")
        }
    }
}
