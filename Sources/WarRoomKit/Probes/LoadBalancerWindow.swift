/// The stretch of time a probe's figures cover: every rate a probe prints is over one of
/// these, taken from the target's history, never "since the previous probe".
public struct ProbeWindow: Sendable, Equatable {
    /// The window asked for, in seconds (`--window`, 60 by default).
    public var requestedSeconds: Int
    /// Where the figures start and end.
    public var from: Instant
    public var to: Instant
    /// Stretches inside the window when the target could not be read (HAProxy unreachable):
    /// the figures over each come from the readings either side of it.
    public var holes: [Hole] = []

    /// A stretch with no readings.
    public struct Hole: Sendable, Equatable {
        public var from: Instant
        public var to: Instant
    }

    public init(requestedSeconds: Int, from: Instant, to: Instant, holes: [Hole] = []) {
        self.requestedSeconds = requestedSeconds
        self.from = from
        self.to = to
        self.holes = holes
    }

    /// The window probes use unless told otherwise.
    public static let defaultSeconds = 60

    /// The longest window a probe may ask for: the history the targets keep.
    public static let longestSeconds = 30 * 60

    /// Seconds the figures actually cover.
    public var coveredSeconds: Double { Double(max(0, to - from)) / 1000 }

    /// Whether the history reaches back over (nearly) the whole window asked for. A window one
    /// sampling step short still counts; anything less is said in `text`.
    public var isComplete: Bool { coveredSeconds + 2 >= Double(requestedSeconds) }

    /// `over the last 60s (03:44:00Z–03:45:00Z)`, or, before the history reaches back that far,
    /// `over 24s (03:44:36Z–03:45:00Z): the history covers only 24s of the 60s window`.
    public var text: String {
        let span = "\(from.clockSeconds)–\(to.clockSeconds)"
        let covered = Self.seconds(coveredSeconds)
        if coveredSeconds <= 0 { return "with no history yet (\(to.clockSeconds)): nothing to measure over the \(Self.seconds(Double(requestedSeconds))) window" }
        if coveredSeconds < 1 {
            return "over less than a second (\(span)): the history has only just begun, of the \(Self.seconds(Double(requestedSeconds))) window"
        }
        let base = isComplete ? "over the last \(covered) (\(span))"
            : "over \(covered) (\(span)): the history covers only \(covered) of the \(Self.seconds(Double(requestedSeconds))) window"
        guard !holes.isEmpty else { return base }
        let missing = holes.reduce(0.0) { $0 + Double($1.to - $1.from) / 1000 }
        let stretches = holes.map { "\($0.from.clockSeconds)–\($0.to.clockSeconds)" }.joined(separator: ", ")
        return base + "; the load balancer could not be read for \(Self.seconds(missing)) of it (\(stretches)): figures over that stretch come from the readings either side"
    }

    /// `60s`, `90s`, `5m`, `2m 30s`, `1.5s`, `1h 10m`.
    public static func seconds(_ value: Double) -> String {
        if value < 10, value.rounded() != value { return String(format: "%.1fs", value) }
        let whole = Int(value.rounded())
        if whole < 120 { return "\(whole)s" }
        if whole >= 3600 { return whole % 3600 / 60 == 0 ? "\(whole / 3600)h" : "\(whole / 3600)h \(whole % 3600 / 60)m" }
        return whole % 60 == 0 ? "\(whole / 60)m" : "\(whole / 60)m \(whole % 60 < 10 ? "0" : "")\(whole % 60)s"
    }

    /// The `window_s` and `covered_s` members of a probe's data.
    var data: JSONObject {
        var data: JSONObject = ["window_s": .int(requestedSeconds), "covered_s": .number((coveredSeconds * 10).rounded() / 10),
                                "from": .string(from.iso8601), "to": .string(to.iso8601)]
        if !holes.isEmpty { data["holes"] = .array(holes.map { ["from": .string($0.from.iso8601), "to": .string($0.to.iso8601)] }) }
        return data
    }
}

/// Client requests over a window and why those that failed failed. The causes add up:
/// `errors = timeouts + serverErrors + connectionErrors + noServer + limited + other`.
public struct FailureBreakdown: Sendable, Equatable {
    /// Client requests (the simulation: arrivals at the load balancer; HAProxy: the backend's `stot`).
    public var requests: Double
    /// Requests that ran out of time: waiting in a queue, or for a server's answer.
    public var timeouts: Double
    /// The part of `timeouts` spent in HAProxy's queue (`timeout queue`); `nil` where the
    /// target does not tell them apart.
    public var queueTimeouts: Double?
    /// 5xx answers from the servers themselves.
    public var serverErrors: Double
    /// Connections to a server refused, reset or lost (after retries).
    public var connectionErrors: Double
    /// Answered 503 at once because no server was in rotation.
    public var noServer: Double
    /// Refused by the frontend's rate limit (429).
    public var limited: Double
    /// 5xx that HAProxy counted and none of the above explains.
    public var other: Double

    public init(requests: Double = 0, timeouts: Double = 0, queueTimeouts: Double? = nil, serverErrors: Double = 0, connectionErrors: Double = 0,
                noServer: Double = 0, limited: Double = 0, other: Double = 0)
    {
        self.requests = requests
        self.timeouts = timeouts
        self.queueTimeouts = queueTimeouts
        self.serverErrors = serverErrors
        self.connectionErrors = connectionErrors
        self.noServer = noServer
        self.limited = limited
        self.other = other
    }

    /// Every failed request: the sum of the causes.
    public var errors: Double { timeouts + serverErrors + connectionErrors + noServer + limited + other }

    /// `part` over the requests (0 without requests), at most 1: a request retried across the
    /// window's edge may fail after it.
    public func rate(_ part: Double) -> Double { requests > 0 ? min(1, max(0, part) / requests) : 0 }

    public var errorRate: Double { rate(errors) }
    public var timeoutRate: Double { rate(timeouts) }
}

/// One server over a window.
public struct ServerWindow: Sendable, Equatable {
    public var name: String
    /// Attempts it received (retries and redispatches included).
    public var requests: Double
    /// Attempts that failed there: timeouts, connection errors, 5xx.
    public var failures: Double
    /// Health checks it failed.
    public var checksFailed: Double
    /// Times it went DOWN (flapping).
    public var downs: Double
    /// Seconds it spent DOWN.
    public var downtimeSeconds: Double
    /// Offered load over capacity, on average over the window; `nil` where capacity is unknown.
    public var utilization: Double?

    public init(name: String, requests: Double = 0, failures: Double = 0, checksFailed: Double = 0, downs: Double = 0, downtimeSeconds: Double = 0,
                utilization: Double? = nil)
    {
        self.name = name
        self.requests = requests
        self.failures = failures
        self.checksFailed = checksFailed
        self.downs = downs
        self.downtimeSeconds = downtimeSeconds
        self.utilization = utilization
    }

    /// Failed attempts over attempts (0 without attempts).
    public var errorRate: Double { requests > 0 ? min(1, failures / requests) : 0 }
}

/// HAProxy's frontend in front of the backend, over the same window, to set beside the
/// backend's figures.
public struct FrontendWindow: Sendable, Equatable {
    public var name: String
    /// `req_tot`: HTTP requests the frontend received.
    public var requests: Double
    /// `hrsp_5xx`: 5xx answers it sent to clients.
    public var serverErrors: Double

    public init(name: String, requests: Double, serverErrors: Double) {
        self.name = name
        self.requests = requests
        self.serverErrors = serverErrors
    }

    public var errorRate: Double { requests > 0 ? min(1, serverErrors / requests) : 0 }
}

/// What a load balancer did over a window, from its history: the figures `probe errors`,
/// `probe distribution`, `probe health`, `probe backend` and `lb show` print.
public struct LoadBalancerWindow: Sendable, Equatable {
    public var window: ProbeWindow
    /// The pool's client requests and failures.
    public var pool: FailureBreakdown
    /// Each server, in the target's order.
    public var servers: [ServerWindow]
    /// Attempts tried again after a failure; `nil` where unknown.
    public var retries: Double?
    /// Requests sent to another server after a failure (HAProxy's `wredis`); `nil` where unknown.
    public var redispatches: Double?
    /// Requests waiting in the backend's queue at the window's end.
    public var queued: Double
    /// The frontend, when the target knows which one feeds the backend.
    public var frontend: FrontendWindow?

    public init(window: ProbeWindow, pool: FailureBreakdown, servers: [ServerWindow], retries: Double? = nil, redispatches: Double? = nil,
                queued: Double = 0, frontend: FrontendWindow? = nil)
    {
        self.window = window
        self.pool = pool
        self.servers = servers
        self.retries = retries
        self.redispatches = redispatches
        self.queued = queued
        self.frontend = frontend
    }

    /// The server named `name`.
    public func server(_ name: String) -> ServerWindow? {
        servers.first { $0.name == name }
    }

    /// Attempts of all servers over the window.
    public var attempts: Double { servers.reduce(0) { $0 + $1.requests } }
}

/// Per-minute error rates for a sparkline, oldest first, with how far back the history goes.
public struct ErrorSeries: Sendable, Equatable {
    /// Minutes asked for.
    public var minutes: Int
    /// One point per minute the history covers (fewer than `minutes` early on).
    public var points: [ErrorReading.Point]

    public init(minutes: Int, points: [ErrorReading.Point]) {
        self.minutes = minutes
        self.points = points
    }
}
