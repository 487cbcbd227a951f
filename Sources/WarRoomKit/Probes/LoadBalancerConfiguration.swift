/// The part of a load balancer's state an operator changes: algorithm, rate limit, and each
/// server's weight and administrative state. Each change makes a new version of it.
public struct LoadBalancerConfiguration: Sendable, Equatable {
    /// One server's configured weight and state.
    public struct Server: Sendable, Equatable {
        public var name: String
        public var weight: Int
        public var state: ServerAdminState

        public init(name: String, weight: Int, state: ServerAdminState) {
            self.name = name
            self.weight = weight
            self.state = state
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
