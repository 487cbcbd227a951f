/// One server as `show servers state` reports it: the administrative flags and the weights
/// HAProxy keeps, which `show stat` only summarises in its `status` text.
public struct HAProxyServerState: Sendable, Equatable {
    /// `srv_admin_state`: why a server is out of rotation, as HAProxy's flag bits.
    public struct AdminFlags: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Put in maintenance by an operator (`set server … state maint`).
        public static let forcedMaintenance = AdminFlags(rawValue: 0x01)
        /// In maintenance because the server it tracks is.
        public static let inheritedMaintenance = AdminFlags(rawValue: 0x02)
        /// Disabled in the configuration file.
        public static let configuredMaintenance = AdminFlags(rawValue: 0x04)
        /// Drained by an operator (`set server … state drain`).
        public static let forcedDrain = AdminFlags(rawValue: 0x08)
        /// Draining because the server it tracks is.
        public static let inheritedDrain = AdminFlags(rawValue: 0x10)
        /// In maintenance because its name does not resolve.
        public static let resolutionMaintenance = AdminFlags(rawValue: 0x20)
        /// In maintenance because of its FQDN.
        public static let hostnameMaintenance = AdminFlags(rawValue: 0x40)

        /// Every reason a server can be in maintenance.
        public static let anyMaintenance: AdminFlags = [.forcedMaintenance, .inheritedMaintenance, .configuredMaintenance, .resolutionMaintenance, .hostnameMaintenance]
        /// Every reason a server can be draining.
        public static let anyDrain: AdminFlags = [.forcedDrain, .inheritedDrain]
    }

    /// `be_name`
    public var backend: String
    /// `srv_name`
    public var server: String
    /// `srv_addr`
    public var address: String
    /// `srv_addr:srv_port`, as `set server … addr IP port PORT` takes them; `nil` without an address.
    public var endpoint: String? {
        guard !address.isEmpty, address != "-" else { return nil }
        guard let port = fields["srv_port"], !port.isEmpty, port != "0" else { return address }
        return "\(address):\(port)"
    }
    /// `srv_op_state`: 0 stopped, 1 starting, 2 running, 3 stopping.
    public var operationalState: Int
    /// `srv_admin_state`
    public var adminFlags: AdminFlags
    /// `srv_uweight`: the weight set by configuration or `set server … weight`.
    public var userWeight: Int
    /// `srv_iweight`: the weight in the configuration file.
    public var initialWeight: Int
    /// `srv_time_since_last_change`, in seconds.
    public var secondsSinceChange: Int
    /// Every column by its header name, for the ones not broken out above.
    public var fields: [String: String]

    public init(backend: String, server: String, address: String, operationalState: Int, adminFlags: AdminFlags, userWeight: Int,
                initialWeight: Int, secondsSinceChange: Int, fields: [String: String] = [:])
    {
        self.backend = backend
        self.server = server
        self.address = address
        self.operationalState = operationalState
        self.adminFlags = adminFlags
        self.userWeight = userWeight
        self.initialWeight = initialWeight
        self.secondsSinceChange = secondsSinceChange
        self.fields = fields
    }

    /// The state an operator would name: maintenance wins over drain, as in HAProxy.
    public var adminState: ServerAdminState {
        if !adminFlags.isDisjoint(with: .anyMaintenance) { return .maint }
        if !adminFlags.isDisjoint(with: .anyDrain) { return .drain }
        return .ready
    }

    /// Parses `show servers state` output: a format version line, a `# be_id be_name …`
    /// header, then one space-separated line per server, read by header name.
    /// - Parameter text: the answer as HAProxy sent it.
    /// - Returns: the servers, or `nil` when the text is not in that format.
    public static func parse(_ text: String) -> [HAProxyServerState]? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard let version = lines.popFirst(), Int(version) != nil, let header = lines.popFirst(), header.hasPrefix("# ") else { return nil }
        let names = header.dropFirst(2).split(separator: " ").map(String.init)
        guard names.contains("be_name"), names.contains("srv_name") else { return nil }
        var servers: [HAProxyServerState] = []
        for line in lines {
            let values = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            var fields: [String: String] = [:]
            for (name, value) in zip(names, values) { fields[name] = value }
            func int(_ name: String) -> Int { fields[name].flatMap { Int($0) } ?? 0 }
            servers.append(HAProxyServerState(
                backend: fields["be_name"] ?? "", server: fields["srv_name"] ?? "", address: fields["srv_addr"] ?? "",
                operationalState: int("srv_op_state"), adminFlags: AdminFlags(rawValue: int("srv_admin_state")),
                userWeight: int("srv_uweight"), initialWeight: int("srv_iweight"), secondsSinceChange: int("srv_time_since_last_change"),
                fields: fields))
        }
        return servers
    }
}
