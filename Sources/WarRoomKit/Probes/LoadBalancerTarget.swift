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
    /// `check_status`: the last health check's result (`L7OK`, `L4TOUT`, `L4CON`, …), without
    /// the `* ` HAProxy puts in front while a check is in progress.
    public var checkStatus: String
    /// `chkdown`: times it went DOWN since start.
    public var chkdown: Int
    /// `downtime`: seconds spent DOWN since start.
    public var downtime: Int
    /// `status` exactly as the load balancer writes it (`MAINT (via app/web1)`, `DRAIN (agent)`),
    /// for displays that show it as HAProxy does.
    public var statusText: String

    public init(backend: String, name: String, status: String, weight: Int, scur: Int = 0, qcur: Int = 0, stot: Int = 0,
                rate: Double = 0, hrsp5xx: Int = 0, econ: Int = 0, eresp: Int = 0, chkfail: Int = 0, lastchg: Int = 0,
                rtime: Int = 0, ttime: Int = 0, checkStatus: String = "", chkdown: Int = 0, downtime: Int = 0, statusText: String? = nil)
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
        self.checkStatus = ServerStats.checkStatusWithoutMarker(checkStatus)
        self.chkdown = chkdown
        self.downtime = downtime
        self.statusText = statusText ?? status
    }

    /// `L7OK` for HAProxy's `* L7OK` (a check in progress): the marker is not part of the result.
    public static func checkStatusWithoutMarker(_ text: String) -> String {
        var result = Substring(text)
        while result.first == "*" || result.first == " " { result = result.dropFirst() }
        return String(result)
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
/// Requirements beyond the core (windows over a history, traffic sources, dependencies,
/// percentiles …) are added with default implementations that throw `TargetError.unsupported`,
/// so every target compiles and says plainly what it cannot answer.
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
    /// Points a server at another address (`IP:PORT`).
    func setAddress(_ address: String, server: String, at now: Instant) throws

    // MARK: Beyond `show stat` (defaults below throw `TargetError.unsupported`)

    /// What the pool and each server did over about the last `seconds`, from the target's
    /// history (never from the time since the previous reading).
    func window(at now: Instant, seconds: Int) throws -> LoadBalancerWindow
    /// The pool's error rate minute by minute over the last `minutes`, for sparklines.
    func errorSeries(at now: Instant, minutes: Int) throws -> ErrorSeries
    /// Latency of the pool and each server: percentiles, or the load balancer's averages.
    func latency(at now: Instant) throws -> LatencyReading
    /// The request rate over about the last `seconds`, against its baseline or recent peak, and its sources.
    func traffic(at now: Instant, seconds: Int) throws -> TrafficReading
    /// The database and network figures behind the pool.
    func dependencies(at now: Instant) throws -> DependencyReading
    /// One server in depth.
    func serverDetail(_ name: String, at now: Instant) throws -> ServerDetail
    /// The share of users who have had a request fail because of the incident since the start.
    func usersAffected(at now: Instant) throws -> Double
    /// The live configuration (algorithm, rate limit, weights and states).
    func configuration(at now: Instant) throws -> LoadBalancerConfiguration
    /// The configuration the load balancer was started with (`lb rollback initial`).
    func initialConfiguration(at now: Instant) throws -> LoadBalancerConfiguration
    /// Configuration changes the target made on its own up to `now` (a scenario's events), in order.
    func ownChanges(through now: Instant) throws -> [ConfigurationChangeRecord]
    /// When a change to `servers` made outside warroom happened, as far as the target can tell
    /// (`nil` when it cannot): `since` is the last time warroom saw the old configuration.
    func changeEvidence(servers: [String], since: Instant, at now: Instant) -> ChangeEvidence?
    /// The load balancer's own life since it was last asked: a restart or reload (a new
    /// process), as a line and its data; `nil` when nothing happened or it cannot tell.
    func lifeEvent(at now: Instant) -> (text: String, data: JSONObject)?
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

/// A load balancer's own average times of one server or the whole backend, in ms: HAProxy's
/// `qtime`, `ctime`, `rtime` and `ttime`, each an average over the last 1024 requests.
public struct AverageTimes: Sendable, Equatable {
    public var name: String
    /// `qtime`: time spent in the queue.
    public var queue: Double
    /// `ctime`: time to connect to the server.
    public var connect: Double
    /// `rtime`: time for the server's response (first byte).
    public var response: Double
    /// `ttime`: the whole session.
    public var total: Double

    public init(name: String, queue: Double, connect: Double, response: Double, total: Double) {
        self.name = name
        self.queue = queue
        self.connect = connect
        self.response = response
        self.total = total
    }
}

/// Latency of the whole pool and of each server: percentiles (`nil` for a server that answered
/// nothing) where the target keeps a distribution, averages where it keeps only those.
public struct LatencyReading: Sendable, Equatable {
    /// What the figures cover, for the probe's title (`over the last second`, `HAProxy's averages over each one's last 1024 requests`).
    public var basis: String
    public var overall: LatencyPercentiles?
    public var servers: [(name: String, percentiles: LatencyPercentiles?)]
    /// The backend's averages, where the target keeps averages rather than a distribution.
    public var backendTimes: AverageTimes?
    /// Each server's averages, in the target's order.
    public var serverTimes: [AverageTimes]

    public init(basis: String = "over the last second", overall: LatencyPercentiles?, servers: [(name: String, percentiles: LatencyPercentiles?)],
                backendTimes: AverageTimes? = nil, serverTimes: [AverageTimes] = [])
    {
        self.basis = basis
        self.overall = overall
        self.servers = servers
        self.backendTimes = backendTimes
        self.serverTimes = serverTimes
    }

    public static func == (lhs: LatencyReading, rhs: LatencyReading) -> Bool {
        lhs.basis == rhs.basis && lhs.overall == rhs.overall && lhs.backendTimes == rhs.backendTimes && lhs.serverTimes == rhs.serverTimes
            && lhs.servers.elementsEqual(rhs.servers) { $0.name == $1.name && $0.percentiles == $1.percentiles }
    }
}

/// Failed client requests over a recent window, with a per-minute series for a sparkline.
public struct ErrorReading: Sendable, Equatable {
    /// One minute of the series.
    public struct Point: Sendable, Equatable {
        /// The end of the minute.
        public var at: Instant
        public var errorRate: Double
        public var timeoutRate: Double
        public var serverErrorRate: Double
        /// Client requests per second over the minute.
        public var requestRate: Double

        public init(at: Instant, errorRate: Double, timeoutRate: Double, serverErrorRate: Double, requestRate: Double = 0) {
            self.at = at
            self.errorRate = errorRate
            self.timeoutRate = timeoutRate
            self.serverErrorRate = serverErrorRate
            self.requestRate = requestRate
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

/// How many requests arrive, against what is usual, and from where.
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

    /// The span `requestRate` and `attemptRate` are averaged over.
    public var window: ProbeWindow
    /// What was counted (`client requests at the load balancer`, `frontend web's requests (req_tot)`).
    public var counted: String
    /// Client requests per second over the window.
    public var requestRate: Double
    /// What the rate usually is at this time; `nil` where the target has no baseline.
    public var baselineRate: Double?
    /// The busiest minute of the recent history (requests per second) and when it ended;
    /// `nil` before a whole minute is in the history.
    public var peakRate: Double?
    public var peakAt: Instant?
    /// How far back the recent history reaches, in minutes.
    public var historyMinutes: Int
    /// Attempts per second sent to servers over the window (retries included); `nil` where unknown.
    public var attemptRate: Double?
    /// Distinct client networks; `nil` where unknown.
    public var sources: Int?
    /// The busiest networks, busiest first (empty where unknown).
    public var topSources: [Source]
    /// The load balancer's own figures, where it keeps them: requests in the last second, and
    /// the most in one second since it started.
    public var lastSecondRate: Double?
    public var maximumRate: Double?

    public init(window: ProbeWindow, counted: String, requestRate: Double, baselineRate: Double? = nil, peakRate: Double? = nil, peakAt: Instant? = nil,
                historyMinutes: Int = 0, attemptRate: Double? = nil, sources: Int? = nil, topSources: [Source] = [], lastSecondRate: Double? = nil,
                maximumRate: Double? = nil)
    {
        self.window = window
        self.counted = counted
        self.requestRate = requestRate
        self.baselineRate = baselineRate
        self.peakRate = peakRate
        self.peakAt = peakAt
        self.historyMinutes = historyMinutes
        self.attemptRate = attemptRate
        self.sources = sources
        self.topSources = topSources
        self.lastSecondRate = lastSecondRate
        self.maximumRate = maximumRate
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
    /// What the pool and each server did over about the last `seconds`.
    public func window(at now: Instant, seconds: Int) throws -> LoadBalancerWindow {
        throw TargetError.unsupported(target: label, what: "figures over a window (it keeps no history)")
    }

    /// The pool's error rate minute by minute over the last `minutes`.
    public func errorSeries(at now: Instant, minutes: Int) throws -> ErrorSeries {
        throw TargetError.unsupported(target: label, what: "error rates over time")
    }

    /// Latency of the pool and each server.
    public func latency(at now: Instant) throws -> LatencyReading {
        throw TargetError.unsupported(target: label, what: "latency figures")
    }

    /// The request rate over about the last `seconds`, and its sources.
    public func traffic(at now: Instant, seconds: Int) throws -> TrafficReading {
        throw TargetError.unsupported(target: label, what: "traffic figures")
    }

    /// The database and network figures behind the pool.
    public func dependencies(at now: Instant) throws -> DependencyReading {
        throw TargetError.unsupported(target: label, what: "database and network figures (probe them where they live)")
    }

    /// One server in depth.
    public func serverDetail(_ name: String, at now: Instant) throws -> ServerDetail {
        throw TargetError.unsupported(target: label, what: "server details beyond `show stat`")
    }

    /// The share of users who have had a request fail because of the incident since the start.
    public func usersAffected(at now: Instant) throws -> Double {
        throw TargetError.unsupported(target: label, what: "users affected")
    }

    /// The live configuration (algorithm, rate limit, weights and states).
    public func configuration(at now: Instant) throws -> LoadBalancerConfiguration {
        throw TargetError.unsupported(target: label, what: "its configuration as a whole")
    }

    /// The configuration the load balancer was started with.
    public func initialConfiguration(at now: Instant) throws -> LoadBalancerConfiguration {
        throw TargetError.unsupported(target: label, what: "the configuration it was started with")
    }

    /// Configuration changes the target made on its own up to `now` (a scenario's events), in order.
    public func ownChanges(through now: Instant) throws -> [ConfigurationChangeRecord] {
        throw TargetError.unsupported(target: label, what: "a record of its own configuration changes")
    }

    /// No evidence: the change is dated when warroom saw it.
    public func lifeEvent(at now: Instant) -> (text: String, data: JSONObject)? { nil }

    public func changeEvidence(servers: [String], since: Instant, at now: Instant) -> ChangeEvidence? {
        nil
    }

    /// Points a server at another address.
    public func setAddress(_ address: String, server: String, at now: Instant) throws {
        throw TargetError.unsupported(target: label, what: "a server address change")
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

// MARK: - Conveniences

extension LoadBalancerTarget {
    /// Error, timeout and 5xx rates over the last minute, with the per-minute series over the
    /// last `minutes` (the postmortem's chart samples a re-run simulation with it).
    public func errors(at now: Instant, minutes: Int) throws -> ErrorReading {
        let reading = try window(at: now, seconds: ProbeWindow.defaultSeconds)
        let series = minutes > 0 ? try errorSeries(at: now, minutes: minutes).points : []
        let pool = reading.pool
        return ErrorReading(windowSeconds: Int(reading.window.coveredSeconds.rounded()), requests: pool.requests, errorRate: pool.errorRate,
                            timeoutRate: pool.timeoutRate, serverErrorRate: pool.rate(pool.serverErrors + pool.noServer), series: series)
    }

    /// The request rate over the last minute.
    public func traffic(at now: Instant) throws -> TrafficReading {
        try traffic(at: now, seconds: ProbeWindow.defaultSeconds)
    }
}
