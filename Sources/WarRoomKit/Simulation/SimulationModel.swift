/// The load balancer, its pool and its clients, stepped in fixed one-second ticks of the
/// incident clock (docs/SIMULATION.md explains the equations and their limits).
///
/// A fluid model: each tick moves per-backend aggregates (requests per second, queue
/// lengths) rather than individual requests, which keeps a tick at a few dozen floating-point
/// operations per backend. State is kept as parallel arrays, one slot per backend, so the
/// tick walks memory in order. Everything random comes from a `SplitMix64` seeded by the
/// scenario, and nothing depends on dictionary order, so a scenario and seed give the same
/// run on every machine.
public struct SimulationModel: Sendable {
    /// Simulated milliseconds per tick.
    public static let tickMilliseconds: Int64 = 1000
    /// User buckets: users are hashed into at least this many buckets, each mapped to one backend
    /// (for who is affected; the load itself follows the algorithm's shares).
    public static let minimumBucketCount = 1024
    /// User buckets per backend in large pools.
    static let bucketsPerBackend = 16
    /// Points on the consistent-hash ring at least, and per backend in large pools (more points,
    /// smaller imbalance between backends under consistent hashing).
    static let minimumRingPoints = 16384
    static let ringPointsPerBackend = 64
    /// Spread (σ of the logarithm) of service times around their median.
    static let latencySigma = 0.5
    /// Spread of health-check response times (noise that makes a borderline server flap).
    static let checkSigma = 0.25
    /// The largest noise factor `normal()` can produce: e^(σ · 2√3).
    static let maximumCheckNoise = 2.3774

    public let scenario: Scenario
    /// The live configuration (weights, states, algorithm, rate limit).
    public internal(set) var configuration: LoadBalancerConfiguration
    /// Ticks run since the start.
    public internal(set) var ticks: Int64 = 0
    /// The dependency figures now.
    public internal(set) var dependencies: DependencyFigures
    /// Every configuration change so far (scenario events and operators), in order.
    public internal(set) var changeLog: [ConfigurationChangeRecord] = []

    var random: SplitMix64
    var nextEvent = 0
    var rateOverride: Double?
    var rateFactor = 1.0
    var attack: AttackSpec?
    /// The dependency figures the scenario's own events set: `dependencies` is these with the
    /// injects in force laid over them.
    var scenarioDependencies: DependencyFigures
    /// A facilitator's injects in force, in the order made, each with the offset it ends at.
    var injects: [(inject: SimulationInject, endsAt: Int64?)] = []
    /// The latest traffic inject in force: legitimate traffic is this multiple of what the scenario sends.
    var injectedTrafficFactor: Double?

    // Fixed per backend.
    let names: [String]
    let nameHashes: [UInt64]
    let capacity: [Double]
    let baseLatency: [Double]
    let ownErrorRate: [Double]
    let indexByName: [String: Int]
    let checkIntervalTicks: Int64
    let retries: Int
    let timeoutSeconds: Double

    // Configuration, as arrays for the tick.
    var weight: [Int]
    var admin: [ServerAdminState]
    var algorithm: BalanceAlgorithm
    var rateLimit: Double?

    // Health.
    var healthy: [Bool]
    /// Consecutive failed checks while up, consecutive good checks while down.
    var checkStreak: [Int]
    var nextCheckTick: [Int64]
    var lastChangeTick: [Int64]
    var lastCheckStatus: [CheckStatus]

    // Queues and in-flight work.

    /// Per-backend figures as columns of one array (`Column`), so the tick walks one block of
    /// memory through plain pointers.
    var columns: [Double]

    /// Per backend, refreshed when the dependency figures change: capacity now, its inverse,
    /// service time before load, and the load under which a tick needs no queueing arithmetic.
    var capacityNow: [Double] = []
    var inverseCapacityNow: [Double] = []
    var serviceBaseNow: [Double] = []
    var quietLimit: [Double] = []
    /// Fraction of answers that are 5xx (the server's own errors, then the database's).
    var errorRateNow: [Double] = []
    /// The part of `errorRateNow` above the scenario's normal figures: failures the incident
    /// caused rather than the background every service has.
    var incidentErrorRateNow: [Double] = []
    /// Failed requests at a backend → failures per user of its buckets: buckets / (users × its buckets).
    var densityScale: [Double] = []

    // Load balancing.
    var share: [Double]
    var effectiveWeight: [Double]
    var eligible: [Bool]
    var eligibleCount = 0
    /// Configured in rotation (ready, weight > 0), whatever the health checks say: what user buckets follow.
    var bucketEligible: [Bool]
    var bucketEligibleCount = 0
    var balanceDirty = true
    /// Set by configuration changes: the user buckets may have to move.
    var configurationChanged = true

    // Retries waiting for the next tick: generation g (1…retries) at `g * n + i` for sticky
    // retries to backend i, and in `pooledRetries[g]` for those spread by the algorithm.
    var stickyRetries: [Double]
    var pooledRetries: [Double]
    var redispatched = 0.0
    /// Whether the last tick left retries stuck to servers (sticky users).
    var stickyRetriesOut = false
    var arrivalsByGeneration: [Double]

    // Sticky user buckets and impact.
    /// User buckets of this pool: `max(1024, 16 × backends)`.
    public let bucketCount: Int
    var bucketOwner: [Int32]
    var bucketStart: [Int32]
    var ringPositions: [UInt64] = []
    var ringOwners: [Int32] = []
    var ringWeights: [Double] = []
    /// Whether the ring has the many points consistent hashing of requests needs.
    var fineRing = false
    /// Buckets by starting point: those starting at point p are `bucketsByPoint[pointBuckets[p]..<pointBuckets[p + 1]]`.
    var pointBuckets: [Int32] = []
    var bucketsByPoint: [Int32] = []
    /// Points by backend: backend i's are `ringPointsList[ringPointsStart[i]..<ringPointsStart[i + 1]]`.
    var ringPointsStart: [Int32] = []
    var ringPointsList: [Int32] = []
    var bucketAccumulated: [Double]
    var bucketMark: [Double]
    var bucketsOwned: [Int]
    /// Failed requests per user spread over everyone (non-sticky traffic, no server available).
    var globalDensity = 0.0
    /// Per-owner sums for `usersAffected` (see `refreshImpactSums`).
    var ownerImpactReference: [Double] = []
    var ownerImpactSum: [Double] = []
    var unownedImpactSum = 0.0

    // Last tick, per backend.

    // Cumulative, per backend (HAProxy counters).
    var checkFailures: [Int]

    /// Whole-pool totals since the start.
    public internal(set) var totals = SimulationTotals()
    /// The last tick's whole-pool figures.
    public internal(set) var lastTick = SimulationTotals()

    // History windows.
    var window = SimulationSample(at: Instant(milliseconds: 0))
    public internal(set) var history: SimulationHistory

    /// Builds the model at the scenario's start, with its starting configuration.
    /// - Parameter scenario: the scenario to run.
    public init(scenario: Scenario) {
        self.scenario = scenario
        let n = scenario.backends.count
        configuration = LoadBalancerConfiguration(scenario: scenario)
        dependencies = scenario.dependencies
        scenarioDependencies = scenario.dependencies
        random = SplitMix64(seed: scenario.seed)
        names = scenario.backends.map(\.name)
        nameHashes = names.map { SplitMix64.mix(SplitMix64.hash($0) ^ scenario.seed) }
        capacity = scenario.backends.map(\.capacity)
        baseLatency = scenario.backends.map(\.latency)
        ownErrorRate = scenario.backends.map(\.errorRate)
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() { index[name] = i }
        indexByName = index
        checkIntervalTicks = max(1, scenario.loadBalancer.healthCheck.interval / SimulationModel.tickMilliseconds)
        retries = scenario.loadBalancer.retries
        timeoutSeconds = Double(scenario.loadBalancer.timeout) / 1000

        weight = scenario.backends.map(\.weight)
        admin = scenario.backends.map(\.state)
        algorithm = scenario.loadBalancer.algorithm
        rateLimit = scenario.loadBalancer.rateLimit

        healthy = [Bool](repeating: true, count: n)
        checkStreak = [Int](repeating: 0, count: n)
        // Checks of different servers are spread over the interval, as HAProxy spreads them.
        let interval = checkIntervalTicks
        nextCheckTick = nameHashes.map { Int64($0 % UInt64(interval)) + 1 }
        lastChangeTick = [Int64](repeating: 0, count: n)
        lastCheckStatus = [CheckStatus](repeating: .ok, count: n)

        let zeros = [Double](repeating: 0, count: n)
        columns = [Double](repeating: 0, count: Column.allCases.count * n)
        share = zeros
        effectiveWeight = zeros
        eligible = [Bool](repeating: false, count: n)
        bucketEligible = eligible
        stickyRetries = [Double](repeating: 0, count: (retries + 1) * n)
        pooledRetries = [Double](repeating: 0, count: retries + 1)
        arrivalsByGeneration = [Double](repeating: 0, count: (retries + 1) * n)

        let buckets = max(SimulationModel.minimumBucketCount, SimulationModel.bucketsPerBackend * n)
        bucketCount = buckets
        bucketOwner = [Int32](repeating: -1, count: buckets)
        bucketStart = [Int32](repeating: 0, count: buckets)
        bucketAccumulated = [Double](repeating: 0, count: buckets)
        bucketMark = [Double](repeating: 0, count: buckets)
        bucketsOwned = [Int](repeating: 0, count: n)

        checkFailures = [Int](repeating: 0, count: n)
        history = SimulationHistory(backendCount: n)
        window.at = scenario.start
        for i in 0..<n {
            self[.lastServiceTime, i] = baseLatency[i]
            self[.lastCheckLatency, i] = baseLatency[i]
        }
        refreshDependencyFigures()
        rebalance()
    }

    /// Recomputes the per-backend figures that depend on the database and network.
    mutating func refreshDependencyFigures() {
        let extra = max(0, dependencies.databaseLatency - scenario.dependencies.databaseLatency)
        let rtt = dependencies.networkRTT
        serviceBaseNow = baseLatency.map { $0 + extra }
        capacityNow = (0..<names.count).map { capacity[$0] * baseLatency[$0] / serviceBaseNow[$0] }
        inverseCapacityNow = capacityNow.map { 1 / $0 }
        errorRateNow = ownErrorRate.map { 1 - (1 - $0) * (1 - dependencies.databaseErrorRate) }
        let normalDatabase = scenario.dependencies.databaseErrorRate
        incidentErrorRateNow = (0..<names.count).map { max(0, errorRateNow[$0] - (1 - (1 - ownErrorRate[$0]) * (1 - normalDatabase))) }
        // Below this many arrivals, with nothing queued, every request is served in time
        // (service time is at most 1.5 × its base at full load).
        quietLimit = (0..<names.count).map { min(capacityNow[$0], capacityNow[$0] * (timeoutSeconds - (serviceBaseNow[$0] * 1.5 + rtt) * 0.001)) }
    }

    /// The time the state describes: the end of the last tick.
    public var now: Instant { scenario.start + ticks * SimulationModel.tickMilliseconds }

    /// Number of backends.
    public var backendCount: Int { names.count }

    /// Backend names, in scenario order.
    public var backendNames: [String] { names }

    /// The index of the backend named `name`.
    public func index(of name: String) -> Int? { indexByName[name] }

    /// Runs whole ticks until the next would end after `instant` (earlier instants do nothing).
    /// - Parameter instant: the incident clock's time.
    public mutating func advance(to instant: Instant) {
        let target = (instant - scenario.start) / SimulationModel.tickMilliseconds
        while ticks < target { step() }
    }

    /// Applies a configuration change now, recording it as a configuration version's change.
    /// - Parameters:
    ///   - change: what to change.
    ///   - by: who changed it.
    ///   - note: why (optional).
    ///   - source: whether the scenario or an operator made it.
    /// - Throws: `TargetError.unknownServer` when a name is not a backend (nothing is changed then).
    public mutating func apply(_ change: ConfigChange, by: String, note: String? = nil, source: ConfigurationChangeRecord.Source) throws {
        for name in change.weights.map(\.name) + change.states.map(\.name) where indexByName[name] == nil {
            throw TargetError.unknownServer(name: name, known: names)
        }
        let before = configuration
        for (name, value) in change.weights {
            let i = indexByName[name]!
            weight[i] = min(max(value, 0), 256)
            configuration.servers[i].weight = weight[i]
        }
        for (name, state) in change.states {
            let i = indexByName[name]!
            if state == .maint, admin[i] != .maint {
                // Out of rotation entirely: its queue goes to the others; dead requests are dropped.
                redispatched += self[.liveQueue, i]
                self[.liveQueue, i] = 0
                self[.deadQueue, i] = 0
                lastChangeTick[i] = ticks
            } else if state != .maint, admin[i] == .maint {
                // Back from maintenance: HAProxy starts it with fresh checks, as up.
                if !healthy[i] { self[.downtimeClosed, i] += Double(ticks) - self[.downSince, i] }
                healthy[i] = true
                checkStreak[i] = 0
                lastChangeTick[i] = ticks
            }
            admin[i] = state
            configuration.servers[i].state = state
        }
        if let algorithm = change.algorithm {
            self.algorithm = algorithm
            configuration.algorithm = algorithm
        }
        if let limit = change.rateLimit {
            rateLimit = limit
            configuration.rateLimit = limit
        }
        balanceDirty = true
        configurationChanged = true
        changeLog.append(ConfigurationChangeRecord(at: now, by: by, note: note, source: source, changes: configuration.changes(from: before),
                                                   configuration: configuration))
    }

    mutating func applyDueEvents() {
        let offset = ticks * SimulationModel.tickMilliseconds
        if injects.contains(where: { $0.endsAt.map { $0 <= offset } ?? false }) {
            injects.removeAll { $0.endsAt.map { $0 <= offset } ?? false }
            layInjects()
        }
        while nextEvent < scenario.events.count, scenario.events[nextEvent].offset <= offset {
            let event = scenario.events[nextEvent]
            nextEvent += 1
            if let change = event.set {
                // The loader checked every name, so this cannot fail for a loaded scenario.
                try? apply(change, by: event.by, note: event.note, source: .scenario)
            }
            if let traffic = event.traffic {
                if let rate = traffic.rate {
                    rateOverride = rate
                    rateFactor = 1
                }
                if let factor = traffic.factor {
                    rateOverride = nil
                    rateFactor = factor
                }
                if let attack = traffic.attack { self.attack = attack }
            }
            if let change = event.dependencies {
                scenarioDependencies = change.applied(to: scenarioDependencies)
                layInjects()
            }
        }
    }

    /// The legitimate client request rate now.
    public var legitimateRate: Double {
        (rateOverride ?? scenario.baselineRate(atOffset: ticks * SimulationModel.tickMilliseconds) * rateFactor) * (injectedTrafficFactor ?? 1)
    }

    /// The attack request rate now (0 without an attack).
    public var attackRate: Double { attack?.rate ?? 0 }
}

/// The per-backend figures kept in `SimulationModel.columns`, one column of `n` values each.
enum Column: Int, CaseIterable {
    /// Requests waiting that will still be answered in time.
    case liveQueue
    /// Requests waiting whose client has already timed out (counted as failed): wasted work.
    case deadQueue
    /// Failed requests per user, accumulated per backend (users of a bucket take the difference).
    case failureDensity
    // Cumulative (HAProxy counters).
    case totalAttempts, totalServed, totalServerErrors, totalConnectionErrors, totalTimeouts
    // The last tick.
    case lastAttempts, lastServed, lastTimeouts, lastWait, lastServiceTime
    // Cumulative attempts and failures when the current history window began.
    case windowStartAttempts, windowStartFailures
    /// The last health check's response time, ms.
    case lastCheckLatency
    /// Times the health checks marked it DOWN (HAProxy's `chkdown`).
    case totalDowns
    /// Ticks spent DOWN in spells that have ended, and the tick the current spell began.
    case downtimeClosed, downSince
}

extension SimulationModel {
    /// One backend's figure in a column.
    subscript(column: Column, i: Int) -> Double {
        get { columns[column.rawValue * names.count + i] }
        set { columns[column.rawValue * names.count + i] = newValue }
    }

    /// A whole column, copied out.
    func column(_ column: Column) -> [Double] {
        let n = names.count
        return Array(columns[(column.rawValue * n)..<((column.rawValue + 1) * n)])
    }
}

/// The result of a health check, with HAProxy's `check_status` codes.
public enum CheckStatus: String, Sendable {
    /// Layer 7 check passed.
    case ok = "L7OK"
    /// Layer 7 check timed out.
    case timeout = "L7TOUT"
    /// Connection failed (lost on the network).
    case connectionError = "L4CON"
    /// Not checked (maintenance).
    case none = ""
}

/// One configuration change, as the model recorded it.
public struct ConfigurationChangeRecord: Sendable, Equatable {
    /// Whether a scenario event or a responder made the change (`lb` entries say `scenario` or `operator`).
    public enum Source: String, Sendable {
        /// A scenario event.
        case scenario
        /// A responder, through `lb`.
        case responder = "operator"
    }

    public var at: Instant
    public var by: String
    public var note: String?
    public var source: Source
    /// What changed, one line each (`weight msg-4: 100 → 40`).
    public var changes: [String]
    /// The configuration after the change.
    public var configuration: LoadBalancerConfiguration
}

/// Whole-pool request totals (cumulative, or for one tick).
public struct SimulationTotals: Sendable, Equatable {
    /// Client requests (legitimate and attack) that arrived.
    public var requests = 0.0
    /// …of which legitimate (from users).
    public var legitimate = 0.0
    /// Attempts made: first tries, retries and redispatches.
    public var attempts = 0.0
    /// Retries made.
    public var retries = 0.0
    /// Attempts answered successfully.
    public var served = 0.0
    /// Attempts that failed (each cause below), retried or not.
    public var failedAttempts = 0.0
    /// Client requests that finally failed.
    public var errors = 0.0
    public var timeouts = 0.0
    public var serverErrors = 0.0
    public var connectionErrors = 0.0
    /// Refused by the frontend rate limit (429).
    public var limited = 0.0
    /// No server in rotation (503).
    public var noServer = 0.0
    /// Legitimate requests that finally failed.
    public var userErrors = 0.0
    /// …of which because of the incident (overload, timeouts, no server, a dependency worse
    /// than normal), not at the scenario's normal background rate: what `usersAffected` counts.
    public var incidentUserErrors = 0.0

    public init() {}
}
