/// A simulation scenario: a load balancer, its pool, its traffic and dependencies, and what
/// happens to them over time without the responder (SPEC §4, `Playbooks/scenarios/*.yaml`).
public struct Scenario: Sendable, Equatable {
    /// The scenario's id (`[a-z0-9-]+`), unique in a catalogue.
    public var id: String
    /// One line saying what the drill is about.
    public var title: String
    /// Longer explanation (optional).
    public var description: String?
    /// Incident-clock time at which the simulation starts.
    public var start: Instant
    /// Seed of the simulation's random numbers: the same scenario and seed give the same run.
    public var seed: UInt64
    /// The user base, for impact in percent.
    public var users: Int
    public var traffic: TrafficSpec
    public var loadBalancer: LoadBalancerSpec
    public var backends: [BackendSpec]
    public var dependencies: DependencyFigures
    /// What happens without the responder, in time order.
    public var events: [ScenarioEvent]
    /// Monitoring's alert rules: what pages the on-call engineer in this drill.
    public var alerts: [AlertRule]
    /// The file the scenario was read from (empty when built in code).
    public var path: String
    /// SHA-256 of the file's bytes, lowercase hex (empty when built in code).
    public var sha256: String
    /// Warnings the loader found (the scenario still loads): say them when a drill starts.
    public var warnings: [Diagnostic] = []
    /// The facilitator's plan: par, the misleading paths, the fix, injects (`drill:`).
    public var drill: DrillPlan?

    public init(id: String, title: String, description: String? = nil, start: Instant, seed: UInt64 = 1, users: Int = 1_000_000,
                traffic: TrafficSpec, loadBalancer: LoadBalancerSpec, backends: [BackendSpec],
                dependencies: DependencyFigures = DependencyFigures(), events: [ScenarioEvent] = [], alerts: [AlertRule] = [], path: String = "",
                sha256: String = "")
    {
        self.id = id
        self.title = title
        self.description = description
        self.start = start
        self.seed = seed
        self.users = users
        self.traffic = traffic
        self.loadBalancer = loadBalancer
        self.backends = backends
        self.dependencies = dependencies
        // In time order; events at the same moment keep the order they were written in.
        self.events = events.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
        self.alerts = alerts
        self.path = path
        self.sha256 = sha256
    }

    /// The expected client request rate at `offset` ms after the start: `traffic.rate`, then
    /// linear interpolation between the `profile` points (the baseline the traffic probe compares with).
    public func baselineRate(atOffset offset: Int64) -> Double {
        var previousAt: Int64 = 0
        var previousRate = traffic.rate
        for point in traffic.profile {
            if offset < point.offset {
                let span = Double(point.offset - previousAt)
                guard span > 0 else { return point.rate }
                let fraction = Double(offset - previousAt) / span
                return previousRate + (point.rate - previousRate) * max(0, fraction)
            }
            previousAt = point.offset
            previousRate = point.rate
        }
        return previousRate
    }
}

/// The clients: how many requests per second, from how many networks, sticky or not.
public struct TrafficSpec: Sendable, Equatable {
    /// Client requests per second at the start.
    public var rate: Double
    /// Whether each user's requests go to one backend (hashed user buckets).
    public var sticky: Bool
    /// Distinct client networks the legitimate traffic comes from.
    public var sources: Int
    /// Expected rate changes over time (the baseline): points joined by straight lines.
    public var profile: [RatePoint]

    public init(rate: Double, sticky: Bool = false, sources: Int = 200, profile: [RatePoint] = []) {
        self.rate = rate
        self.sticky = sticky
        self.sources = sources
        self.profile = profile.sorted { $0.offset < $1.offset }
    }
}

/// One point of the traffic profile.
public struct RatePoint: Sendable, Equatable {
    /// Milliseconds after the scenario's start.
    public var offset: Int64
    /// Requests per second expected then.
    public var rate: Double

    public init(offset: Int64, rate: Double) {
        self.offset = offset
        self.rate = rate
    }
}

/// How the load balancer spreads requests over the servers in rotation.
public enum BalanceAlgorithm: String, Sendable, CaseIterable {
    /// Equal shares, weights ignored (except 0, which takes a server out).
    case roundRobin = "round-robin"
    /// Shares proportional to weights (smooth weighted round-robin).
    case weightedRoundRobin = "weighted-round-robin"
    /// Each request to the server with the fewest connections per unit of weight.
    case leastConnections = "least-connections"
    /// Two servers drawn at random (by weight), the less loaded one wins.
    case powerOfTwo = "power-of-two"
    /// A hash ring with points in proportion to weights; keys keep their server.
    case consistentHash = "consistent-hash"

    /// Every algorithm's name, for completion and "did you mean".
    public static let names: [String] = allCases.map(\.rawValue)
}

/// Active health checks: every `interval`, a check that must answer within `timeout`;
/// `fall` failures in a row take a server out, `rise` successes bring it back.
public struct HealthCheckSpec: Sendable, Equatable {
    public var interval: Int64
    public var timeout: Int64
    public var rise: Int
    public var fall: Int

    public init(interval: Int64 = 2000, timeout: Int64 = 1000, rise: Int = 2, fall: Int = 3) {
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
    }
}

/// The load balancer's starting configuration and fixed settings.
public struct LoadBalancerSpec: Sendable, Equatable {
    public var algorithm: BalanceAlgorithm
    /// Milliseconds a request may take (queue plus service) before it fails as a timeout.
    public var timeout: Int64
    /// How many times a timed-out or refused attempt is tried again.
    public var retries: Int
    public var healthCheck: HealthCheckSpec
    /// Frontend limit in requests per second (excess answered 429 at once); `nil` for none.
    public var rateLimit: Double?

    public init(algorithm: BalanceAlgorithm, timeout: Int64 = 3000, retries: Int = 1, healthCheck: HealthCheckSpec = HealthCheckSpec(),
                rateLimit: Double? = nil)
    {
        self.algorithm = algorithm
        self.timeout = timeout
        self.retries = retries
        self.healthCheck = healthCheck
        self.rateLimit = rateLimit
    }
}

/// One server of the pool.
public struct BackendSpec: Sendable, Equatable {
    public var name: String
    /// Requests per second it serves at its normal latency.
    public var capacity: Double
    /// Service time in milliseconds at normal dependency figures and light load.
    public var latency: Double
    /// Load-balancer weight, 0…256.
    public var weight: Int
    /// Administrative state at the start.
    public var state: ServerAdminState
    /// Fraction of its responses that are 5xx on its own (bugs), before the database's errors.
    public var errorRate: Double

    public init(name: String, capacity: Double, latency: Double, weight: Int = 100, state: ServerAdminState = .ready, errorRate: Double = 0) {
        self.name = name
        self.capacity = capacity
        self.latency = latency
        self.weight = weight
        self.state = state
        self.errorRate = errorRate
    }
}

/// The database and network behind the pool.
public struct DependencyFigures: Sendable, Equatable {
    /// Database round-trip latency in milliseconds.
    public var databaseLatency: Double
    /// Fraction of database calls that fail (each failure is a 5xx).
    public var databaseErrorRate: Double
    /// Network round-trip time between the load balancer and the servers, in milliseconds.
    public var networkRTT: Double
    /// Fraction of connections lost on the network (connection errors, retried).
    public var networkLoss: Double

    public init(databaseLatency: Double = 5, databaseErrorRate: Double = 0, networkRTT: Double = 0.5, networkLoss: Double = 0) {
        self.databaseLatency = databaseLatency
        self.databaseErrorRate = databaseErrorRate
        self.networkRTT = networkRTT
        self.networkLoss = networkLoss
    }
}

/// Something that happens at a moment of the scenario.
public struct ScenarioEvent: Sendable, Equatable {
    /// Milliseconds after the scenario's start.
    public var offset: Int64
    /// Who made the change (recorded as the configuration version's author).
    public var by: String
    public var note: String?
    /// A configuration change (a new configuration version).
    public var set: ConfigChange?
    /// A traffic change.
    public var traffic: TrafficChange?
    /// Dependency figures that change (absent fields stay as they are).
    public var dependencies: DependencyChange?

    public init(offset: Int64, by: String = "scenario", note: String? = nil, set: ConfigChange? = nil, traffic: TrafficChange? = nil,
                dependencies: DependencyChange? = nil)
    {
        self.offset = offset
        self.by = by
        self.note = note
        self.set = set
        self.traffic = traffic
        self.dependencies = dependencies
    }
}

/// A change to the load balancer's configuration; every field is optional.
public struct ConfigChange: Sendable, Equatable {
    /// New weights, in the order written.
    public var weights: [(name: String, weight: Int)]
    /// New administrative states, in the order written.
    public var states: [(name: String, state: ServerAdminState)]
    public var algorithm: BalanceAlgorithm?
    /// A new frontend rate limit: `.some(nil)` removes it.
    public var rateLimit: Double??

    public init(weights: [(name: String, weight: Int)] = [], states: [(name: String, state: ServerAdminState)] = [],
                algorithm: BalanceAlgorithm? = nil, rateLimit: Double?? = nil)
    {
        self.weights = weights
        self.states = states
        self.algorithm = algorithm
        self.rateLimit = rateLimit
    }

    public static func == (lhs: ConfigChange, rhs: ConfigChange) -> Bool {
        lhs.weights.elementsEqual(rhs.weights, by: { $0.name == $1.name && $0.weight == $1.weight })
            && lhs.states.elementsEqual(rhs.states, by: { $0.name == $1.name && $0.state == $1.state })
            && lhs.algorithm == rhs.algorithm && lhs.rateLimit == rhs.rateLimit
    }
}

/// A change to the client traffic.
public struct TrafficChange: Sendable, Equatable {
    /// Legitimate requests per second from now on (replaces following the baseline).
    public var rate: Double?
    /// Legitimate traffic as a multiple of the baseline from now on (`1` returns to normal).
    public var factor: Double?
    /// Attack traffic: `.some(nil)` stops it.
    public var attack: AttackSpec??

    public init(rate: Double? = nil, factor: Double? = nil, attack: AttackSpec?? = nil) {
        self.rate = rate
        self.factor = factor
        self.attack = attack
    }
}

/// Flood traffic from a few networks (a DDoS): not users, not sticky.
public struct AttackSpec: Sendable, Equatable {
    /// Attack requests per second.
    public var rate: Double
    /// How many networks send it (each an equal part).
    public var sources: Int

    public init(rate: Double, sources: Int) {
        self.rate = rate
        self.sources = sources
    }
}

/// Dependency figures that change at an event.
public struct DependencyChange: Sendable, Equatable {
    public var databaseLatency: Double?
    public var databaseErrorRate: Double?
    public var networkRTT: Double?
    public var networkLoss: Double?

    public init(databaseLatency: Double? = nil, databaseErrorRate: Double? = nil, networkRTT: Double? = nil, networkLoss: Double? = nil) {
        self.databaseLatency = databaseLatency
        self.databaseErrorRate = databaseErrorRate
        self.networkRTT = networkRTT
        self.networkLoss = networkLoss
    }

    /// The figures after this change.
    public func applied(to figures: DependencyFigures) -> DependencyFigures {
        var result = figures
        if let databaseLatency { result.databaseLatency = databaseLatency }
        if let databaseErrorRate { result.databaseErrorRate = databaseErrorRate }
        if let networkRTT { result.networkRTT = networkRTT }
        if let networkLoss { result.networkLoss = networkLoss }
        return result
    }
}
