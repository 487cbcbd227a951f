/// Totals of one history window (10 simulated seconds) of the whole load balancer.
public struct SimulationSample: Sendable, Equatable {
    /// End of the window.
    public var at: Instant
    /// Client requests that arrived (legitimate and attack, rate-limited ones included).
    public var requests: Double
    /// Attempts sent to servers (retries and redispatches included).
    public var attempts: Double
    /// Client requests that finally failed, for any reason.
    public var errors: Double
    /// …of which timed out.
    public var timeouts: Double
    /// …of which were answered with a 5xx (server errors, no server available).
    public var serverErrors: Double
    /// …of which were refused by the frontend rate limit (429).
    public var limited: Double
    /// …of which failed to connect (refused by a full server, lost on the network).
    public var connectionErrors: Double
    /// …of which were answered 503 because no server was in rotation (also in `serverErrors`).
    public var noServer: Double
    public var backendsUp: Int
    public var backendsDown: Int

    public init(at: Instant, requests: Double = 0, attempts: Double = 0, errors: Double = 0, timeouts: Double = 0, serverErrors: Double = 0,
                limited: Double = 0, connectionErrors: Double = 0, noServer: Double = 0, backendsUp: Int = 0, backendsDown: Int = 0)
    {
        self.at = at
        self.requests = requests
        self.attempts = attempts
        self.errors = errors
        self.timeouts = timeouts
        self.serverErrors = serverErrors
        self.limited = limited
        self.connectionErrors = connectionErrors
        self.noServer = noServer
        self.backendsUp = backendsUp
        self.backendsDown = backendsDown
    }

    /// Adds another window's totals (for coarser buckets); keeps the later window's end and counts.
    mutating func absorb(_ other: SimulationSample) {
        requests += other.requests
        attempts += other.attempts
        errors += other.errors
        timeouts += other.timeouts
        serverErrors += other.serverErrors
        limited += other.limited
        connectionErrors += other.connectionErrors
        noServer += other.noServer
        at = other.at
        backendsUp = other.backendsUp
        backendsDown = other.backendsDown
    }

    /// Failed client requests over all client requests (0 when there were none).
    public var errorRate: Double { requests > 0 ? min(1, errors / requests) : 0 }
    /// Timed-out client requests over all client requests.
    public var timeoutRate: Double { requests > 0 ? min(1, timeouts / requests) : 0 }
    /// 5xx answers over all client requests.
    public var serverErrorRate: Double { requests > 0 ? min(1, serverErrors / requests) : 0 }

    /// The window's failures by cause (`serverErrors` without the 503s of no server in rotation).
    public var breakdown: FailureBreakdown {
        FailureBreakdown(requests: requests, timeouts: timeouts, serverErrors: max(0, serverErrors - noServer), connectionErrors: connectionErrors,
                         noServer: noServer, limited: limited)
    }
}

/// Per-backend figures of one history window, one value per backend each.
public struct BackendWindowTotals: Sendable, Equatable {
    /// Attempts received.
    public var attempts: [Double]
    /// Attempts that failed there (timeouts, connection errors, 5xx).
    public var failures: [Double]
    /// Health checks failed.
    public var checksFailed: [Double]
    /// Times marked DOWN.
    public var downs: [Double]
    /// Seconds spent DOWN.
    public var downtime: [Double]

    public init(count: Int) {
        attempts = [Double](repeating: 0, count: count)
        failures = attempts
        checksFailed = attempts
        downs = attempts
        downtime = attempts
    }

    mutating func add(_ other: BackendWindowTotals) {
        for i in attempts.indices {
            attempts[i] += other.attempts[i]
            failures[i] += other.failures[i]
            checksFailed[i] += other.checksFailed[i]
            downs[i] += other.downs[i]
            downtime[i] += other.downtime[i]
        }
    }
}

/// The recent past, in fixed windows, in a ring: memory is bounded by `capacity` windows,
/// whatever the length of the incident.
public struct SimulationHistory: Sendable {
    /// Simulated seconds per window.
    public static let windowSeconds = 10
    /// Windows kept: one hour, so the 30-minute sparklines always have data.
    public static let capacity = 360

    let backendCount: Int
    var samples: [SimulationSample] = []
    /// Attempts per backend per window, `capacity × backendCount`, ring-indexed like `samples`.
    var backendAttempts: [Double]
    /// Failed attempts per backend per window.
    var backendFailures: [Double]
    /// Failed health checks, DOWN transitions and seconds DOWN per backend *since the start*,
    /// as they stood at each window's end (a reading takes differences); `Float` is exact for
    /// these whole numbers up to 16 million, far beyond a 31-day drill, at half the memory.
    var backendChecks: [Float]
    var backendDowns: [Float]
    var backendDowntime: [Float]
    /// Ring position of the next window to write.
    var head = 0

    init(backendCount: Int) {
        self.backendCount = backendCount
        backendAttempts = [Double](repeating: 0, count: SimulationHistory.capacity * backendCount)
        backendFailures = backendAttempts
        backendChecks = [Float](repeating: 0, count: SimulationHistory.capacity * backendCount)
        backendDowns = backendChecks
        backendDowntime = backendChecks
        samples.reserveCapacity(SimulationHistory.capacity)
    }

    /// Closes the window whose per-backend figures were written at `head * backendCount`.
    mutating func commit(_ sample: SimulationSample) {
        if samples.count < SimulationHistory.capacity { samples.append(sample) } else { samples[head] = sample }
        head = (head + 1) % SimulationHistory.capacity
    }

    /// Number of windows held.
    public var count: Int { samples.count }

    /// Ring slot of the `k`-th most recent window (0 = latest).
    func slot(back k: Int) -> Int {
        (head - 1 - k + 2 * SimulationHistory.capacity) % SimulationHistory.capacity
    }

    /// The windows that ended after `from` and at or before `to`, oldest first.
    public func samples(after from: Instant, through to: Instant) -> [SimulationSample] {
        var result: [SimulationSample] = []
        for k in stride(from: count - 1, through: 0, by: -1) {
            let sample = samples[slot(back: k)]
            if sample.at > from, sample.at <= to { result.append(sample) }
        }
        return result
    }

    /// Per-backend attempts and failures summed over the windows ending after `from`.
    func backendTotals(after from: Instant) -> (attempts: [Double], failures: [Double]) {
        let totals = backendWindowTotals(last: count) { $0.at > from }
        return (totals.attempts, totals.failures)
    }

    /// Per-backend figures over the `windows` most recent windows that satisfy `keep` (walking
    /// back from the latest and stopping at the first that does not).
    func backendWindowTotals(last windows: Int, while keep: (SimulationSample) -> Bool = { _ in true }) -> BackendWindowTotals {
        var totals = BackendWindowTotals(count: backendCount)
        var taken = 0
        for k in 0..<min(windows, count) {
            let s = slot(back: k)
            guard keep(samples[s]) else { break }
            let base = s * backendCount
            for i in 0..<backendCount {
                totals.attempts[i] += backendAttempts[base + i]
                totals.failures[i] += backendFailures[base + i]
            }
            taken += 1
        }
        guard taken > 0 else { return totals }
        // Health figures: what they stood at the latest window's end, less what they stood at
        // before the first window taken (nothing, when the history reaches back to the start).
        let end = slot(back: 0) * backendCount
        let start = taken < count ? slot(back: taken) * backendCount : nil
        for i in 0..<backendCount {
            totals.checksFailed[i] = Double(backendChecks[end + i]) - (start.map { Double(backendChecks[$0 + i]) } ?? 0)
            totals.downs[i] = Double(backendDowns[end + i]) - (start.map { Double(backendDowns[$0 + i]) } ?? 0)
            totals.downtime[i] = Double(backendDowntime[end + i]) - (start.map { Double(backendDowntime[$0 + i]) } ?? 0)
        }
        return totals
    }

    /// Each backend's health figures as they stood at the latest window's end (zeros before the first).
    func latestHealth(_ i: Int) -> (checks: Double, downs: Double, downtime: Double) {
        guard count > 0 else { return (0, 0, 0) }
        let end = slot(back: 0) * backendCount + i
        return (Double(backendChecks[end]), Double(backendDowns[end]), Double(backendDowntime[end]))
    }

    /// The `k`-th most recent window (0 = latest).
    func sample(back k: Int) -> SimulationSample {
        samples[slot(back: k)]
    }

    /// One backend's failure rate per window, oldest first, for windows ending after `from`.
    func backendSeries(_ index: Int, after from: Instant) -> [(at: Instant, attempts: Double, failures: Double)] {
        var result: [(Instant, Double, Double)] = []
        for k in stride(from: count - 1, through: 0, by: -1) {
            let s = slot(back: k)
            guard samples[s].at > from else { continue }
            result.append((samples[s].at, backendAttempts[s * backendCount + index], backendFailures[s * backendCount + index]))
        }
        return result
    }
}
