/// Statistics of one server, named as HAProxy's `show stat` names them so that one set of
/// probes serves the simulation and a real HAProxy alike.
public struct ServerStats: Sendable, Equatable {
    /// `pxname`: the backend (proxy) the server belongs to.
    public var backend: String
    /// `svname`: the server's name.
    public var name: String
    /// `status`: `UP`, `DOWN`, `DRAIN`, `MAINT`, `NOLB`, or a transition such as `UP 1/3`, `DOWN 1/2`.
    public var status: String
    /// `weight`: the effective weight.
    public var weight: Int
    /// `scur`: current sessions.
    public var scur: Int
    /// `qcur`: requests queued for this server.
    public var qcur: Int
    /// `stot`: sessions (requests) since start; probes take deltas between two readings.
    public var stot: Int
    /// `rate`: sessions per second over the last second.
    public var rate: Double
    /// `hrsp_5xx`: 5xx responses since start.
    public var hrsp5xx: Int
    /// `econ`: connection errors since start.
    public var econ: Int
    /// `eresp`: response errors (including server timeouts) since start.
    public var eresp: Int
    /// `chkfail`: failed health checks since start.
    public var chkfail: Int
    /// `lastchg`: seconds since the last UP/DOWN transition.
    public var lastchg: Int
    /// `rtime`: average response time in ms over the last 1024 requests.
    public var rtime: Int
    /// `ttime`: average total session time in ms over the last 1024 requests.
    public var ttime: Int
    /// `check_status`: the last health check's result (`L7OK`, `L4TOUT`, `L4CON`, …).
    public var checkStatus: String

    public init(backend: String, name: String, status: String, weight: Int, scur: Int = 0, qcur: Int = 0, stot: Int = 0,
                rate: Double = 0, hrsp5xx: Int = 0, econ: Int = 0, eresp: Int = 0, chkfail: Int = 0, lastchg: Int = 0,
                rtime: Int = 0, ttime: Int = 0, checkStatus: String = "")
    {
        self.backend = backend
        self.name = name
        self.status = status
        self.weight = weight
        self.scur = scur
        self.qcur = qcur
        self.stot = stot
        self.rate = rate
        self.hrsp5xx = hrsp5xx
        self.econ = econ
        self.eresp = eresp
        self.chkfail = chkfail
        self.lastchg = lastchg
        self.rtime = rtime
        self.ttime = ttime
        self.checkStatus = checkStatus
    }
}

/// A reading of every server of the target's backend at one moment.
public struct TargetSnapshot: Sendable, Equatable {
    /// Incident-clock time of the reading.
    public var at: Instant
    /// The backend the servers belong to.
    public var backend: String
    public var servers: [ServerStats]

    public init(at: Instant, backend: String, servers: [ServerStats]) {
        self.at = at
        self.backend = backend
        self.servers = servers
    }
}

/// The administrative state an operator can put a server in.
public enum ServerAdminState: String, Sendable, CaseIterable {
    /// In rotation.
    case ready
    /// Takes no new users (sticky users and new sessions go elsewhere); existing work finishes.
    case drain
    /// Out of rotation entirely; takes nothing.
    case maint
}

/// Errors a target reports; each message says what failed, where, and what to do.
public enum TargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The target cannot be reached (socket missing, refused, timed out …).
    case unreachable(target: String, reason: String)
    /// The target answered with something that is not what it should send.
    case protocolError(target: String, reason: String)
    /// The target refused a command (HAProxy's own error line, or a level that forbids it).
    case refused(target: String, command: String, reason: String)
    /// No server of that name in the backend.
    case unknownServer(name: String, known: [String])
    /// The target cannot do this at all (e.g. a probe that needs data only the simulation has).
    case unsupported(target: String, what: String)

    public var description: String {
        switch self {
        case .unreachable(let target, let reason):
            return "cannot reach \(target): \(reason); check the address and that the load balancer is running, then retry"
        case .protocolError(let target, let reason):
            return "unexpected answer from \(target): \(reason)"
        case .refused(let target, let command, let reason):
            return "\(target) refused '\(command)': \(reason)"
        case .unknownServer(let name, let known):
            return "no backend server named '\(name)'\(Suggest.hint(for: name, in: known)); servers: \(Suggest.list(known))"
        case .unsupported(let target, let what):
            return "\(target) cannot provide \(what)"
        }
    }
}

/// Something probes can read and `lb` commands can change: the built-in simulation, or a
/// real HAProxy through its runtime API.
///
/// Requirements beyond the core (traffic sources, dependencies, percentiles …) are added with
/// default implementations that throw `TargetError.unsupported`, so every target compiles and
/// says plainly what it cannot answer.
public protocol LoadBalancerTarget: AnyObject {
    /// How the target is named in messages and the transcript (`sim:lb-misconfig-2023-11-05`, `haproxy:/run/haproxy.sock`).
    var label: String { get }

    /// Reads every server's statistics.
    /// - Parameter now: the incident clock's time (the simulation advances to it first).
    func snapshot(at now: Instant) throws -> TargetSnapshot

    /// Sets a server's weight.
    func setWeight(_ weight: Int, server: String, at now: Instant) throws

    /// Sets a server's administrative state.
    func setState(_ state: ServerAdminState, server: String, at now: Instant) throws

    // MARK: Beyond `show stat` (defaults below throw `TargetError.unsupported`)

    /// Latency percentiles of the pool and each server.
    func latency(at now: Instant) throws -> LatencyReading
    /// Each server's share of the load and its utilization over the last minute.
    func load(at now: Instant) throws -> [ServerLoad]
    /// Error, timeout and 5xx rates over the last minute, and per minute over `minutes`.
    func errors(at now: Instant, minutes: Int) throws -> ErrorReading
    /// The request rate against its baseline, and the traffic's sources.
    func traffic(at now: Instant) throws -> TrafficReading
    /// The database and network figures behind the pool.
    func dependencies(at now: Instant) throws -> DependencyReading
    /// One server in depth.
    func serverDetail(_ name: String, at now: Instant) throws -> ServerDetail
    /// The fraction of users who have seen a failed request since the start.
    func usersAffected(at now: Instant) throws -> Double
    /// The live configuration (algorithm, rate limit, weights and states).
    func configuration(at now: Instant) throws -> LoadBalancerConfiguration
    /// Configuration changes the target made on its own up to `now` (a scenario's events), in order.
    func ownChanges(through now: Instant) throws -> [ConfigurationChangeRecord]
    /// Changes the balancing algorithm.
    func setAlgorithm(_ algorithm: BalanceAlgorithm, at now: Instant) throws
    /// Sets (or with `nil` removes) the frontend rate limit in requests per second.
    func setRateLimit(_ limit: Double?, at now: Instant) throws
}

// MARK: - Readings beyond `show stat`

/// Latency percentiles in milliseconds.
public struct LatencyPercentiles: Sendable, Equatable {
    public var p50: Double
    public var p95: Double
    public var p99: Double

    public init(p50: Double, p95: Double, p99: Double) {
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
    }
}

/// Latency of the whole pool and of each server (`nil` for a server that answered nothing).
public struct LatencyReading: Sendable, Equatable {
    public var overall: LatencyPercentiles?
    public var servers: [(name: String, percentiles: LatencyPercentiles?)]

    public init(overall: LatencyPercentiles?, servers: [(name: String, percentiles: LatencyPercentiles?)]) {
        self.overall = overall
        self.servers = servers
    }

    public static func == (lhs: LatencyReading, rhs: LatencyReading) -> Bool {
        lhs.overall == rhs.overall && lhs.servers.elementsEqual(rhs.servers) { $0.name == $1.name && $0.percentiles == $1.percentiles }
    }
}

/// Each server's part of the load over a recent window.
public struct ServerLoad: Sendable, Equatable {
    public var name: String
    /// Fraction of the attempts it received.
    public var share: Double
    /// Offered load over its capacity now (above 1: overloaded).
    public var utilization: Double
    /// Attempts per second it received.
    public var requestRate: Double
    /// Fraction of its attempts that failed.
    public var errorRate: Double

    public init(name: String, share: Double, utilization: Double, requestRate: Double, errorRate: Double) {
        self.name = name
        self.share = share
        self.utilization = utilization
        self.requestRate = requestRate
        self.errorRate = errorRate
    }
}

/// Failed client requests over a recent window, with a per-minute series for a sparkline.
public struct ErrorReading: Sendable, Equatable {
    /// One minute of the series.
    public struct Point: Sendable, Equatable {
        public var at: Instant
        public var errorRate: Double
        public var timeoutRate: Double
        public var serverErrorRate: Double

        public init(at: Instant, errorRate: Double, timeoutRate: Double, serverErrorRate: Double) {
            self.at = at
            self.errorRate = errorRate
            self.timeoutRate = timeoutRate
            self.serverErrorRate = serverErrorRate
        }
    }

    /// Seconds the "now" figures cover.
    public var windowSeconds: Int
    public var requests: Double
    public var errorRate: Double
    public var timeoutRate: Double
    public var serverErrorRate: Double
    /// Per minute, oldest first (empty when the target keeps no history).
    public var series: [Point]

    public init(windowSeconds: Int, requests: Double, errorRate: Double, timeoutRate: Double, serverErrorRate: Double, series: [Point]) {
        self.windowSeconds = windowSeconds
        self.requests = requests
        self.errorRate = errorRate
        self.timeoutRate = timeoutRate
        self.serverErrorRate = serverErrorRate
        self.series = series
    }
}

/// Where the requests come from.
public struct TrafficReading: Sendable, Equatable {
    /// A client network and what it sends.
    public struct Source: Sendable, Equatable {
        public var network: String
        public var rate: Double

        public init(network: String, rate: Double) {
            self.network = network
            self.rate = rate
        }
    }

    /// Client requests per second now.
    public var requestRate: Double
    /// What the rate usually is at this time.
    public var baselineRate: Double
    /// Attempts per second sent to servers (retries included).
    public var attemptRate: Double
    /// Distinct client networks.
    public var sources: Int
    /// The busiest networks, busiest first.
    public var topSources: [Source]

    public init(requestRate: Double, baselineRate: Double, attemptRate: Double, sources: Int, topSources: [Source]) {
        self.requestRate = requestRate
        self.baselineRate = baselineRate
        self.attemptRate = attemptRate
        self.sources = sources
        self.topSources = topSources
    }
}

/// The database and network behind the pool, now and normally.
public struct DependencyReading: Sendable, Equatable {
    public var now: DependencyFigures
    public var normal: DependencyFigures

    public init(now: DependencyFigures, normal: DependencyFigures) {
        self.now = now
        self.normal = normal
    }
}

/// One server in depth (beyond its `show stat` line).
public struct ServerDetail: Sendable, Equatable {
    public var stats: ServerStats
    /// Requests per second it can serve now.
    public var capacity: Double
    public var utilization: Double
    public var latency: LatencyPercentiles?
    /// Fraction of the users mapped to it (sticky traffic) or of new requests.
    public var userShare: Double
    /// Its last health check's response time in ms.
    public var lastCheckMilliseconds: Double
    /// Its failed fraction per minute over the last 30 minutes, oldest first.
    public var errorSeries: [Double]

    public init(stats: ServerStats, capacity: Double, utilization: Double, latency: LatencyPercentiles?, userShare: Double,
                lastCheckMilliseconds: Double, errorSeries: [Double])
    {
        self.stats = stats
        self.capacity = capacity
        self.utilization = utilization
        self.latency = latency
        self.userShare = userShare
        self.lastCheckMilliseconds = lastCheckMilliseconds
        self.errorSeries = errorSeries
    }
}

// MARK: - Default implementations

/// Each requirement beyond `show stat` and weight/state changes throws `TargetError.unsupported`
/// by default, so a target implements what it can and says plainly what it cannot.
extension LoadBalancerTarget {
    /// Latency percentiles of the pool and each server.
    public func latency(at now: Instant) throws -> LatencyReading {
        throw TargetError.unsupported(target: label, what: "latency percentiles (only average response times, in `probe health`/`lb show`)")
    }

    /// Each server's share of the load and its utilization over the last minute.
    public func load(at now: Instant) throws -> [ServerLoad] {
        throw TargetError.unsupported(target: label, what: "shares over a window and utilization")
    }

    /// Error, timeout and 5xx rates over the last minute, and per minute over `minutes`.
    public func errors(at now: Instant, minutes: Int) throws -> ErrorReading {
        throw TargetError.unsupported(target: label, what: "error rates over time")
    }

    /// The request rate against its baseline, and the traffic's sources.
    public func traffic(at now: Instant) throws -> TrafficReading {
        throw TargetError.unsupported(target: label, what: "traffic sources and a baseline")
    }

    /// The database and network figures behind the pool.
    public func dependencies(at now: Instant) throws -> DependencyReading {
        throw TargetError.unsupported(target: label, what: "database and network figures (probe them where they live)")
    }

    /// One server in depth.
    public func serverDetail(_ name: String, at now: Instant) throws -> ServerDetail {
        throw TargetError.unsupported(target: label, what: "server details beyond `show stat`")
    }

    /// The fraction of users who have seen a failed request since the start.
    public func usersAffected(at now: Instant) throws -> Double {
        throw TargetError.unsupported(target: label, what: "users affected")
    }

    /// The live configuration (algorithm, rate limit, weights and states).
    public func configuration(at now: Instant) throws -> LoadBalancerConfiguration {
        throw TargetError.unsupported(target: label, what: "its configuration as a whole")
    }

    /// Configuration changes the target made on its own up to `now` (a scenario's events), in order.
    public func ownChanges(through now: Instant) throws -> [ConfigurationChangeRecord] {
        throw TargetError.unsupported(target: label, what: "a record of its own configuration changes")
    }

    /// Changes the balancing algorithm.
    public func setAlgorithm(_ algorithm: BalanceAlgorithm, at now: Instant) throws {
        throw TargetError.unsupported(target: label, what: "an algorithm change at run time (change the configuration file and reload)")
    }

    /// Sets (or with `nil` removes) the frontend rate limit in requests per second.
    public func setRateLimit(_ limit: Double?, at now: Instant) throws {
        throw TargetError.unsupported(target: label, what: "a rate limit")
    }
}
