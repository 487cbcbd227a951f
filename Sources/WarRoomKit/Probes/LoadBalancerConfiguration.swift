/// The part of a load balancer's state an operator changes: algorithm, rate limit, and each
/// server's weight, administrative state and (where the target says) address. Each change
/// makes a new version of it.
public struct LoadBalancerConfiguration: Sendable, Equatable {
    /// One server's configured weight and state.
    public struct Server: Sendable, Equatable {
        public var name: String
        public var weight: Int
        public var state: ServerAdminState
        /// `IP:PORT` where the target says (`set server … addr` changes it at run time); `nil`
        /// for the simulation and older records.
        public var address: String?

        public init(name: String, weight: Int, state: ServerAdminState, address: String? = nil) {
            self.name = name
            self.weight = weight
            self.state = state
            self.address = address
        }

        /// Whether the address differs, when both sides know it.
        func addressDiffers(from other: Server) -> Bool {
            guard let address, let theirs = other.address else { return false }
            return address != theirs
        }
    }

    /// `nil` when the target does not say (a real HAProxy cannot change it at run time).
    public var algorithm: BalanceAlgorithm?
    /// Frontend limit in requests per second; `nil` for none.
    public var rateLimit: Double?
    public var servers: [Server]

    public init(algorithm: BalanceAlgorithm?, rateLimit: Double? = nil, servers: [Server]) {
        self.algorithm = algorithm
        self.rateLimit = rateLimit
        self.servers = servers
    }

    /// The scenario's starting configuration.
    public init(scenario: Scenario) {
        self.init(algorithm: scenario.loadBalancer.algorithm, rateLimit: scenario.loadBalancer.rateLimit,
                  servers: scenario.backends.map { Server(name: $0.name, weight: $0.weight, state: $0.state) })
    }

    /// The index of the server named `name`.
    public func index(of name: String) -> Int? {
        servers.firstIndex { $0.name == name }
    }

    /// Lines saying what differs from `old` to `self` (`weight msg-4: 100 → 40`), in server order.
    public func changes(from old: LoadBalancerConfiguration) -> [String] {
        var lines: [String] = []
        if old.algorithm != algorithm {
            lines.append("algorithm: \(old.algorithm?.rawValue ?? "unknown") → \(algorithm?.rawValue ?? "unknown")")
        }
        if old.rateLimit != rateLimit {
            lines.append("ratelimit: \(LoadBalancerConfiguration.rateText(old.rateLimit)) → \(LoadBalancerConfiguration.rateText(rateLimit))")
        }
        for server in servers {
            guard let before = old.servers.first(where: { $0.name == server.name }) else {
                lines.append("server \(server.name): added (weight \(server.weight), \(server.state.rawValue))")
                continue
            }
            if before.weight != server.weight { lines.append("weight \(server.name): \(before.weight) → \(server.weight)") }
            if before.state != server.state { lines.append("state \(server.name): \(before.state.rawValue) → \(server.state.rawValue)") }
            if server.addressDiffers(from: before) { lines.append("address \(server.name): \(before.address ?? "?") → \(server.address ?? "?")") }
        }
        for server in old.servers where index(of: server.name) == nil {
            lines.append("server \(server.name): removed")
        }
        return lines
    }

    static func rateText(_ rate: Double?) -> String {
        guard let rate else { return "off" }
        return rate.rounded() == rate && abs(rate) < 1e15 ? "\(Int(rate)) req/s" : "\(rate) req/s"
    }
}

extension LoadBalancerConfiguration {
    /// What differs from `old` to `self`, one object per change, for transcripts:
    /// `{"server": "msg-01", "field": "weight", "from": 100, "to": 25}`, and
    /// `{"field": "algorithm" | "rate_limit", "from", "to"}` for the whole pool.
    public func diff(from old: LoadBalancerConfiguration) -> [JSONValue] {
        var items: [JSONValue] = []
        if old.algorithm != algorithm, old.algorithm != nil, algorithm != nil {
            items.append(["field": "algorithm", "from": .optional(old.algorithm?.rawValue), "to": .optional(algorithm?.rawValue)])
        }
        if old.rateLimit != rateLimit {
            items.append(["field": "rate_limit", "from": old.rateLimit.map(JSONValue.number) ?? .null, "to": rateLimit.map(JSONValue.number) ?? .null])
        }
        for server in servers {
            guard let before = old.servers.first(where: { $0.name == server.name }) else {
                items.append(["server": .string(server.name), "field": "added", "to": .object(["weight": .int(server.weight), "state": .string(server.state.rawValue)])])
                continue
            }
            if before.weight != server.weight {
                items.append(["server": .string(server.name), "field": "weight", "from": .int(before.weight), "to": .int(server.weight)])
            }
            if before.state != server.state {
                items.append(["server": .string(server.name), "field": "state", "from": .string(before.state.rawValue), "to": .string(server.state.rawValue)])
            }
            if server.addressDiffers(from: before) {
                items.append(["server": .string(server.name), "field": "address", "from": .optional(before.address), "to": .optional(server.address)])
            }
        }
        for server in old.servers where index(of: server.name) == nil {
            items.append(["server": .string(server.name), "field": "removed"])
        }
        return items
    }

    /// As kept in `lb` entries: `{"servers": [{"name", "weight", "state"}]}`, with the
    /// algorithm and rate limit when the target knows them.
    public var recorded: JSONValue {
        var object: JSONObject = [:]
        if let algorithm { object["algorithm"] = .string(algorithm.rawValue) }
        if let rateLimit { object["rate_limit"] = .number(rateLimit) }
        object["servers"] = .array(servers.map { server in
            var item: JSONObject = ["name": .string(server.name), "weight": .int(server.weight), "state": .string(server.state.rawValue)]
            if let address = server.address { item["address"] = .string(address) }
            return .object(item)
        })
        return .object(object)
    }

    /// Reads a configuration kept by `recorded`; `nil` when it is not one.
    public init?(recorded value: JSONValue) {
        guard let list = value["servers"]?.arrayValue else { return nil }
        var servers: [Server] = []
        for item in list {
            guard let name = item["name"]?.stringValue, let weight = item["weight"]?.intValue,
                let state = item["state"]?.stringValue.flatMap(ServerAdminState.init(rawValue:))
            else { return nil }
            servers.append(Server(name: name, weight: weight, state: state, address: item["address"]?.stringValue))
        }
        self.init(algorithm: value["algorithm"]?.stringValue.flatMap(BalanceAlgorithm.init(rawValue:)), rateLimit: value["rate_limit"]?.doubleValue, servers: servers)
    }

    /// Whether every server of `other` has the same weight and state here (the algorithm is
    /// left out: a real load balancer cannot say or change it).
    func serversMatch(_ other: LoadBalancerConfiguration) -> Bool {
        other.servers.allSatisfy { wanted in
            servers.first { $0.name == wanted.name }.map { $0.weight == wanted.weight && $0.state == wanted.state && !$0.addressDiffers(from: wanted) } ?? true
        }
    }
}

/// When a change made outside warroom happened, as far as the load balancer can tell.
public struct ChangeEvidence: Sendable, Equatable {
    /// The earliest time the evidence puts the change at, if it says.
    public var happenedAt: Instant?
    /// The evidence in words, for `lb history` and `probe config`.
    public var text: String
    /// The same for the transcript (`lastchg` per server …).
    public var data: JSONObject

    public init(happenedAt: Instant?, text: String, data: JSONObject) {
        self.happenedAt = happenedAt
        self.text = text
        self.data = data
    }
}
