/// The answer to `show info`: the process's name, version, uptime and counters, in HAProxy's order.
public struct HAProxyInfo: Sendable, Equatable {
    /// One `Name: value` line.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var fields: [Field]

    public init(fields: [Field]) {
        self.fields = fields
    }

    /// The value of a field, e.g. `info["Version"]`.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// `Version`, e.g. `2.6.12-1+deb12u4`.
    public var version: String? { self["Version"] }

    /// `Pid`: the worker's process id.
    public var processID: Int? { self["Pid"].flatMap { Int($0) } }

    /// `Uptime_sec`
    public var uptimeSeconds: Int? { self["Uptime_sec"].flatMap { Int($0) } }

    /// Parses `show info` output.
    /// - Parameter text: the answer as HAProxy sent it.
    /// - Returns: the fields, or `nil` unless the first line is `Name: …` as HAProxy's is.
    public static func parse(_ text: String) -> HAProxyInfo? {
        var fields: [Field] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[..<colon])
            var value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
            fields.append(Field(name: name, value: String(value)))
        }
        guard fields.first?.name == "Name" else { return nil }
        return HAProxyInfo(fields: fields)
    }
}
