/// A `--target haproxy:…` address: where the runtime API listens, which backend to watch, and
/// how long to wait.
///
/// Accepted forms:
/// - `haproxy:/run/haproxy/admin.sock` (a Unix socket; relative paths work too)
/// - `haproxy:127.0.0.1:9999`, `haproxy:lb1.internal:9999`, `haproxy:[::1]:9999` (TCP)
/// - either followed by options: `,backend=NAME` (required when several backends have
///   servers), `,frontend=NAME` (the frontend in front of it, when there are several) and
///   `,timeout=DURATION` (connect and read time-out, default 2s; `500ms`, `5s`).
public struct HAProxyAddress: Sendable, Hashable, CustomStringConvertible {
    /// The prefix that selects HAProxy in `--target`.
    public static let scheme = "haproxy:"
    /// The options an address may carry after a comma.
    public static let optionNames = ["backend", "frontend", "timeout"]
    /// The time-out used when the address does not give one.
    public static let defaultTimeoutMilliseconds = 2000

    public var endpoint: HAProxyEndpoint
    /// The backend named with `,backend=NAME`, or `nil` to pick the only backend with servers.
    public var backend: String?
    /// The frontend named with `,frontend=NAME`, or `nil` to use the only frontend (if there is one).
    public var frontend: String?
    /// Connect and read time-out in milliseconds.
    public var timeoutMilliseconds: Int

    public init(endpoint: HAProxyEndpoint, backend: String? = nil, frontend: String? = nil, timeoutMilliseconds: Int = HAProxyAddress.defaultTimeoutMilliseconds) {
        self.endpoint = endpoint
        self.backend = backend
        self.frontend = frontend
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Parses a target address.
    /// - Parameter text: `haproxy:PATH` or `haproxy:HOST:PORT`, optionally followed by
    ///   `,backend=NAME` and `,timeout=DURATION`.
    /// - Throws: `HAProxyError.invalidAddress` saying what is wrong and showing the accepted forms.
    public init(parsing text: String) throws(HAProxyError) {
        func invalid(_ reason: String) -> HAProxyError { .invalidAddress(text: text, reason: reason) }
        guard text.hasPrefix(Self.scheme) else { throw invalid("it does not start with '\(Self.scheme)'") }
        var parts = text.dropFirst(Self.scheme.count).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let location = parts.removeFirst()
        guard !location.isEmpty else { throw invalid("no socket path or HOST:PORT after '\(Self.scheme)'") }

        var backend: String?
        var frontend: String?
        var timeout = Self.defaultTimeoutMilliseconds
        for option in parts {
            guard let equals = option.firstIndex(of: "=") else {
                throw invalid("option '\(option)' is not NAME=VALUE")
            }
            let name = String(option[..<equals])
            let value = String(option[option.index(after: equals)...])
            switch name {
            case "backend":
                guard HAProxyClient.isValidName(value) else {
                    throw invalid("backend name '\(value)' is empty or has characters HAProxy does not allow in names")
                }
                backend = value
            case "frontend":
                guard HAProxyClient.isValidName(value) else {
                    throw invalid("frontend name '\(value)' is empty or has characters HAProxy does not allow in names")
                }
                frontend = value
            case "timeout":
                guard let ms = DurationText.wholeMilliseconds(value), ms >= 1, ms <= 600_000 else {
                    throw invalid("timeout '\(value)' is not a duration between 1ms and 10m, such as 500ms or 5s")
                }
                timeout = Int(ms)
            default:
                throw invalid("unknown option '\(name)'\(Suggest.hint(for: name, in: Self.optionNames)); options: \(Self.optionNames.joined(separator: ", "))")
            }
        }
        self.init(endpoint: try Self.endpoint(from: location, in: text), backend: backend, frontend: frontend, timeoutMilliseconds: timeout)
    }

    /// `haproxy:/run/haproxy.sock`, with `,backend=NAME` when one was named (the time-out is
    /// left out: it changes how long warroom waits, not what it talks to).
    public var description: String {
        Self.scheme + endpoint.description + (backend.map { ",backend=\($0)" } ?? "") + (frontend.map { ",frontend=\($0)" } ?? "")
    }

    /// A TCP address is `HOST:PORT` with a numeric port and no slash; anything else is a path,
    /// so `./haproxy.sock` and `/run/haproxy.sock` both read as sockets.
    private static func endpoint(from location: String, in text: String) throws(HAProxyError) -> HAProxyEndpoint {
        func invalid(_ reason: String) -> HAProxyError { .invalidAddress(text: text, reason: reason) }
        if location.contains("/") { return .unix(path: location) }
        if location.hasPrefix("[") {
            guard let close = location.firstIndex(of: "]"), location[location.index(after: close)...].hasPrefix(":") else {
                throw invalid("an IPv6 address is written [ADDRESS]:PORT")
            }
            let host = String(location[location.index(after: location.startIndex)..<close])
            let portText = String(location[location.index(close, offsetBy: 2)...])
            return .tcp(host: host, port: try port(portText, invalid))
        }
        guard let colon = location.lastIndex(of: ":") else { return .unix(path: location) }
        let host = String(location[..<colon])
        let portText = String(location[location.index(after: colon)...])
        guard !host.isEmpty else { throw invalid("no host before ':\(portText)'") }
        guard !host.contains(":") else { throw invalid("write an IPv6 address in brackets: [\(host)]:\(portText)") }
        return .tcp(host: host, port: try port(portText, invalid))
    }

    private static func port(_ text: String, _ invalid: (String) -> HAProxyError) throws(HAProxyError) -> Int {
        guard let port = Int(text), (1...65535).contains(port), text.allSatisfy(\.isASCII) else {
            throw invalid("port '\(text)' is not a number from 1 to 65535")
        }
        return port
    }
}
