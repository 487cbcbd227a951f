/// A client for HAProxy's runtime API (the `stats socket`), one command per connection.
///
/// Every answer is checked for what HAProxy sends, so a wrong address (an HTTP server,
/// another service) is reported as such instead of being misread, and HAProxy's own error
/// lines (`Permission denied`, `No such server.` …) become `HAProxyError` cases.
public struct HAProxyClient: Sendable {
    /// Which rows `show stat` returns: HAProxy's type mask.
    public struct StatTypes: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let frontends = StatTypes(rawValue: 1)
        public static let backends = StatTypes(rawValue: 2)
        public static let servers = StatTypes(rawValue: 4)
        public static let all: StatTypes = [.frontends, .backends, .servers]
    }

    public var endpoint: HAProxyEndpoint
    /// The longest wait to connect, and then for each next piece of an answer.
    public var timeoutMilliseconds: Int

    public init(endpoint: HAProxyEndpoint, timeoutMilliseconds: Int = HAProxyAddress.defaultTimeoutMilliseconds) {
        self.endpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Whether HAProxy would accept `name` as a backend or server name. Names go into command
    /// lines, where `;` separates commands, so anything else is refused before sending.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
                return true
            default:
                return false
            }
        }
    }

    // MARK: - Commands

    /// Sends one command and returns HAProxy's answer as text, unchecked.
    /// - Parameter command: a runtime API command line, without the newline.
    /// - Returns: the answer, with HAProxy's trailing blank line.
    /// - Throws: `HAProxyError` when the socket cannot be reached or the exchange breaks.
    public func send(_ command: String) throws(HAProxyError) -> String {
        String(decoding: try exchange(command), as: UTF8.self)
    }

    /// `show stat`: counters of every frontend, backend and server, or of one proxy.
    /// - Parameters:
    ///   - proxy: a frontend or backend name, or `nil` for all.
    ///   - types: which kinds of rows to return.
    /// - Returns: the table, read by its header line.
    /// - Throws: `HAProxyError.noSuchBackend` for an unknown proxy, `.notHAProxy` when the
    ///   answer is not HAProxy's CSV, or a connection error.
    public func showStat(proxy: String? = nil, types: StatTypes = .all) throws(HAProxyError) -> HAProxyStatTable {
        if let proxy { try checkName(proxy) }
        let command = proxy == nil && types == .all ? "show stat" : "show stat \(proxy ?? "-1") \(types.rawValue) -1"
        let answer = try exchange(command)
        if let table = HAProxyStatTable(csv: answer) { return table }
        throw failure(of: command, answer: answer, backend: proxy)
    }

    /// `show servers state`: administrative flags and weights of every server, or of one backend's.
    /// - Parameter backend: a backend name, or `nil` for all.
    /// - Returns: one entry per server.
    /// - Throws: `HAProxyError.noSuchBackend`, `.notHAProxy`, `.unknownCommand` (before 1.6), or a connection error.
    public func showServersState(backend: String? = nil) throws(HAProxyError) -> [HAProxyServerState] {
        if let backend { try checkName(backend) }
        let command = backend.map { "show servers state \($0)" } ?? "show servers state"
        let answer = try exchange(command)
        if let servers = HAProxyServerState.parse(String(decoding: answer, as: UTF8.self)) { return servers }
        throw failure(of: command, answer: answer, backend: backend)
    }

    /// `show info`: HAProxy's version, process id, uptime and global counters.
    /// - Returns: the fields in HAProxy's order.
    /// - Throws: `HAProxyError.notHAProxy` or a connection error.
    public func showInfo() throws(HAProxyError) -> HAProxyInfo {
        let answer = try exchange("show info")
        if let info = HAProxyInfo.parse(String(decoding: answer, as: UTF8.self)) { return info }
        throw failure(of: "show info", answer: answer)
    }

    /// `get weight BACKEND/SERVER`: the weight in force and the configured one.
    /// - Throws: `HAProxyError.noSuchBackend`, `.noSuchServer`, `.notHAProxy`, or a connection error.
    public func weight(backend: String, server: String) throws(HAProxyError) -> HAProxyWeight {
        try checkName(backend)
        try checkName(server)
        let command = "get weight \(backend)/\(server)"
        let answer = try exchange(command)
        if let weight = HAProxyWeight.parse(String(decoding: answer, as: UTF8.self)) { return weight }
        throw failure(of: command, answer: answer, backend: backend, server: server)
    }

    /// `set server BACKEND/SERVER weight N`.
    /// - Parameter weight: 0 to 256, HAProxy's range.
    /// - Throws: `HAProxyError.levelTooLow` on a socket below `level admin`, `.noSuchServer`,
    ///   `.noSuchBackend`, `.commandFailed` with HAProxy's message (e.g. a weight out of range).
    public func setWeight(_ weight: Int, backend: String, server: String) throws(HAProxyError) {
        try checkName(backend)
        try checkName(server)
        try change("set server \(backend)/\(server) weight \(weight)", backend: backend, server: server)
    }

    /// `set server BACKEND/SERVER state ready|drain|maint`.
    /// - Throws: `HAProxyError.levelTooLow` on a socket below `level admin`, `.noSuchServer`,
    ///   `.noSuchBackend`, `.commandFailed` with HAProxy's message.
    public func setState(_ state: ServerAdminState, backend: String, server: String) throws(HAProxyError) {
        try checkName(backend)
        try checkName(server)
        try change("set server \(backend)/\(server) state \(state.rawValue)", backend: backend, server: server)
    }

    /// Points a server at `ip` and `port` (`set server B/S addr IP port P`). HAProxy answers
    /// with what changed ("IP changed from …"), or nothing when nothing did; the caller reads
    /// the address back to confirm it.
    public func setAddress(ip: String, port: Int?, backend: String, server: String) throws(HAProxyError) {
        try checkName(backend)
        try checkName(server)
        guard ip.utf8.allSatisfy({ (0x21..<0x7F).contains($0) }), !ip.isEmpty else { throw .invalidName(ip) }
        let command = "set server \(backend)/\(server) addr \(ip)" + (port.map { " port \($0)" } ?? "")
        let answer = String(decoding: try exchange(command), as: UTF8.self)
        let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.contains("changed from") || trimmed.hasPrefix("no need to change") { return }
        throw failure(of: command, answer: Array(answer.utf8), backend: backend, server: server, messagesAllowed: true)
    }

    // MARK: - Answers

    private func exchange(_ command: String) throws(HAProxyError) -> [UInt8] {
        try HAProxySocket.exchange(command, with: endpoint, timeoutMilliseconds: timeoutMilliseconds)
    }

    private func checkName(_ name: String) throws(HAProxyError) {
        guard Self.isValidName(name) else { throw .invalidName(name) }
    }

    /// A change succeeds with an empty answer; anything else is HAProxy saying why not.
    private func change(_ command: String, backend: String, server: String) throws(HAProxyError) {
        let answer = try exchange(command)
        if answer.allSatisfy({ $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: " ") }) { return }
        throw failure(of: command, answer: answer, backend: backend, server: server, messagesAllowed: true)
    }

    /// The error an unexpected answer stands for: one of HAProxy's own error lines, or not HAProxy at all.
    /// - Parameter messagesAllowed: whether another line of plain text may be HAProxy explaining
    ///   a refusal (true for changes, whose answers are free text); otherwise it is not HAProxy.
    private func failure(of command: String, answer: [UInt8], backend: String? = nil, server: String? = nil,
                         messagesAllowed: Bool = false) -> HAProxyError
    {
        let place = endpoint.description
        let printable = answer.allSatisfy { (0x20..<0x7F).contains($0) || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\t") }
        let text = String(decoding: answer, as: UTF8.self)
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first.map(String.init) ?? ""
        guard printable, !text.hasPrefix("HTTP/") else {
            return .notHAProxy(endpoint: place, command: command, answer: HAProxyError.excerpt(answer))
        }
        switch firstLine {
        case "Permission denied":
            return .levelTooLow(endpoint: place, command: command)
        case _ where firstLine.hasPrefix("Unknown command"):
            return .unknownCommand(endpoint: place, command: command)
        case "No such server.":
            return .noSuchServer(endpoint: place, backend: backend ?? "", server: server ?? "")
        case "No such backend.", "No such proxy.", "Can't find backend.":
            return .noSuchBackend(endpoint: place, backend: backend ?? "", known: [])
        default:
            if messagesAllowed, !firstLine.isEmpty, text.split(separator: "\n").count <= 3 {
                return .commandFailed(endpoint: place, command: command, message: firstLine)
            }
            return .notHAProxy(endpoint: place, command: command, answer: HAProxyError.excerpt(answer))
        }
    }
}
