/// The last 30 minutes of HAProxy readings, taken at a fixed interval, from which every rate a
/// probe prints is computed over a stated window.
///
/// Bounded: a ring of `capacity` samples (30 minutes at the sampling interval), about 40 bytes
/// per server per sample. Rates are sums of the differences between consecutive samples, so a
/// restart of HAProxy or a `clear counters` between two of them (counters that went back)
/// counts what was counted since, rather than a negative number.
public struct HAProxyStatHistory: Sendable {
    /// How long the history reaches back.
    public static let span: Int64 = 30 * 60_000

    /// Samples kept: the span at the interval, plus a few taken by probes in between.
    public let capacity: Int
    /// Milliseconds between the sampler's readings.
    public let intervalMilliseconds: Int64
    public private(set) var serverNames: [String] = []
    private var ring: [HAProxyStatSample] = []
    private var head = 0
    /// When the history last started afresh (first sample, or the backend's servers changed).
    public private(set) var startedAt: Instant?

    /// - Parameter intervalMilliseconds: the sampler's interval (1 s, or 2 s for large backends).
    public init(intervalMilliseconds: Int64) {
        self.intervalMilliseconds = intervalMilliseconds
        capacity = Int(Self.span / intervalMilliseconds) + 64
    }

    /// Samples held.
    public var count: Int { ring.count }

    /// The `k`-th most recent sample (0 = the latest).
    public func sample(back k: Int) -> HAProxyStatSample {
        ring[(head - 1 - k + 2 * capacity) % capacity]
    }

    /// The latest sample.
    public var latest: HAProxyStatSample? { count > 0 ? sample(back: 0) : nil }

    /// Adds a reading. One older than the latest is dropped (two readers raced); one whose servers
    /// differ from the history's (a reload added or removed some) starts the history afresh.
    public mutating func append(_ sample: HAProxyStatSample) {
        var sample = sample
        if let latest, sample.at <= latest.at { return }
        if sample.serverNames != serverNames {
            serverNames = sample.serverNames
            ring = []
            head = 0
            startedAt = sample.at
        }
        if startedAt == nil { startedAt = sample.at }
        // One copy of the names for the whole history.
        sample.serverNames = serverNames
        if ring.count < capacity {
            ring.append(sample)
        } else {
            ring[head] = sample
        }
        head = (head + 1) % capacity
    }

    /// The index (back from the latest) of the sample a window of `seconds` ending at the latest
    /// starts from: the latest one at or before `latest − seconds`, or the oldest held.
    func startIndex(seconds: Int) -> Int {
        guard let latest else { return 0 }
        let wanted = latest.at - Int64(seconds) * 1000
        for k in 0..<count where sample(back: k).at <= wanted {
            // The sample nearest to the wanted start, whichever side of it.
            if k > 0, sample(back: k - 1).at - wanted < wanted - sample(back: k).at { return k - 1 }
            return k
        }
        return count - 1
    }

    // MARK: - Differences

    /// `new − old` of a 64-bit counter; when it went back (a restart), what was counted since.
    static func delta(_ new: UInt64, _ old: UInt64) -> Double {
        new >= old ? Double(new - old) : Double(new)
    }

    /// `new − old` of a 32-bit server counter: modulo 2³² unless HAProxy restarted (then what was counted since).
    static func delta(_ new: UInt32, _ old: UInt32, restarted: Bool) -> Double {
        restarted ? Double(new) : Double(new &- old)
    }

    /// Whether HAProxy's counters went back between two samples (a restart or `clear counters`).
    static func restarted(_ new: HAProxyStatSample.Pool, _ old: HAProxyStatSample.Pool) -> Bool {
        new.requests < old.requests || new.serverErrors < old.serverErrors || new.connectionErrors < old.connectionErrors
            || new.serversConnectionErrors < old.serversConnectionErrors
    }

    /// The failures between two consecutive samples, by cause.
    static func breakdown(_ new: HAProxyStatSample, _ old: HAProxyStatSample) -> FailureBreakdown {
        let n = new.pool
        let o = old.pool
        let requests = delta(n.requests, o.requests)
        let server5xx = delta(n.serversServerErrors, o.serversServerErrors)
        let serverTimeouts = delta(n.serversResponseErrors, o.serversResponseErrors)
        let connection = delta(n.serversConnectionErrors, o.serversConnectionErrors)
        // The backend's `econ` counts the requests that never reached a server as well: those
        // that waited out `timeout queue`, and those that found no server up.
        let withoutServer = max(0, delta(n.connectionErrors, o.connectionErrors) - connection)
        // Which of the two: with no server up at either end of the interval (a second or two),
        // none was there to wait for; otherwise they waited in the queue.
        let noServer = !n.hasServer || !o.hasServer ? withoutServer : 0
        let queue = withoutServer - noServer
        let all5xx = delta(n.serverErrors, o.serverErrors)
        let other = max(0, all5xx - (server5xx + serverTimeouts + connection + withoutServer))
        return FailureBreakdown(requests: requests, timeouts: queue + serverTimeouts, queueTimeouts: queue, serverErrors: server5xx,
                                connectionErrors: connection, noServer: noServer, other: other)
    }

    // MARK: - Windows

    /// What the backend did over about the last `seconds` before the latest sample.
    /// - Parameters:
    ///   - seconds: the window asked for.
    ///   - frontend: the watched frontend's name, for its line.
    /// - Returns: `nil` before the first sample.
    public func window(seconds: Int, frontend: String?) -> LoadBalancerWindow? {
        guard let latest else { return nil }
        let start = startIndex(seconds: seconds)
        let first = sample(back: start)
        let n = serverNames.count
        var pool = FailureBreakdown(queueTimeouts: 0)
        var retries = 0.0
        var redispatches = 0.0
        var frontendRequests = 0.0
        var frontend5xx = 0.0
        var servers = serverNames.map { ServerWindow(name: $0) }
        var sessions = [Double](repeating: 0, count: n)
        var holes: [ProbeWindow.Hole] = []
        for k in stride(from: start - 1, through: 0, by: -1) {
            let new = sample(back: k)
            let old = sample(back: k + 1)
            // Readings come every second or two: a longer gap is a stretch HAProxy did not answer.
            if new.at - old.at > 5000 { holes.append(ProbeWindow.Hole(from: old.at, to: new.at)) }
            let part = Self.breakdown(new, old)
            pool.requests += part.requests
            pool.timeouts += part.timeouts
            pool.queueTimeouts = (pool.queueTimeouts ?? 0) + (part.queueTimeouts ?? 0)
            pool.serverErrors += part.serverErrors
            pool.connectionErrors += part.connectionErrors
            pool.noServer += part.noServer
            pool.other += part.other
            retries += Self.delta(new.pool.retries, old.pool.retries)
            redispatches += Self.delta(new.pool.redispatches, old.pool.redispatches)
            if let a = new.pool.frontendRequests, let b = old.pool.frontendRequests { frontendRequests += Self.delta(a, b) }
            if let a = new.pool.frontendServerErrors, let b = old.pool.frontendServerErrors { frontend5xx += Self.delta(a, b) }
            let restarted = Self.restarted(new.pool, old.pool)
            for i in 0..<n {
                let a = new.servers[i]
                let b = old.servers[i]
                servers[i].requests += Self.delta(a.requests, b.requests, restarted: restarted)
                servers[i].failures += Self.delta(a.serverErrors, b.serverErrors, restarted: restarted)
                    + Self.delta(a.connectionErrors, b.connectionErrors, restarted: restarted) + Self.delta(a.responseErrors, b.responseErrors, restarted: restarted)
                servers[i].checksFailed += Self.delta(a.checksFailed, b.checksFailed, restarted: restarted)
                servers[i].downs += Self.delta(a.downs, b.downs, restarted: restarted)
                // `downtime` is not a counter: HAProxy sets it back when a server leaves MAINT
                // (7 → 0). Gone back, it holds what was counted since.
                servers[i].downtimeSeconds += a.downtime >= b.downtime ? Double(a.downtime - b.downtime) : Double(a.downtime)
                sessions[i] += Double(a.sessions)
            }
        }
        let readings = Double(max(1, start))
        for i in 0..<n where latest.sessionLimits[i] > 0 {
            // Sessions in flight over the server's maxconn, on average over the readings.
            servers[i].utilization = start > 0 ? sessions[i] / readings / Double(latest.sessionLimits[i]) : Double(latest.servers[i].sessions) / Double(latest.sessionLimits[i])
        }
        let frontendWindow = frontend.flatMap { name in latest.pool.frontendRequests.map { _ in FrontendWindow(name: name, requests: frontendRequests, serverErrors: frontend5xx) } }
        return LoadBalancerWindow(window: ProbeWindow(requestedSeconds: seconds, from: first.at, to: latest.at, holes: holes), pool: pool, servers: servers,
                                  retries: retries, redispatches: redispatches, queued: Double(latest.pool.queued), frontend: frontendWindow)
    }

    /// The backend's error rate and request rate minute by minute over the last `minutes`
    /// before the latest sample, oldest first; minutes the history does not cover are left out.
    public func errorSeries(minutes: Int) -> ErrorSeries {
        guard let latest, count > 1 else { return ErrorSeries(minutes: minutes, points: []) }
        let from = latest.at - Int64(minutes) * 60_000
        var points: [ErrorReading.Point] = []
        var bucket = FailureBreakdown()
        var bucketEnd = from + 60_000
        var bucketStart: Instant?
        func close() {
            // Only a minute the history covers nearly whole.
            if let start = bucketStart, bucketEnd - start >= 50_000 {
                points.append(ErrorReading.Point(at: bucketEnd, errorRate: bucket.errorRate, timeoutRate: bucket.timeoutRate,
                                                 serverErrorRate: bucket.rate(bucket.serverErrors + bucket.noServer + bucket.other),
                                                 requestRate: bucket.requests / (Double(bucketEnd - start) / 1000)))
            }
        }
        for k in stride(from: count - 2, through: 0, by: -1) {
            let new = sample(back: k)
            let old = sample(back: k + 1)
            guard new.at > from else { continue }
            while new.at > bucketEnd {
                close()
                bucket = FailureBreakdown()
                bucketStart = nil
                bucketEnd = bucketEnd + 60_000
            }
            if bucketStart == nil { bucketStart = max(old.at, bucketEnd - 60_000) }
            let part = Self.breakdown(new, old)
            bucket.requests += part.requests
            bucket.timeouts += part.timeouts
            bucket.serverErrors += part.serverErrors
            bucket.connectionErrors += part.connectionErrors
            bucket.noServer += part.noServer
            bucket.other += part.other
        }
        if bucketEnd <= latest.at + intervalMilliseconds { close() }
        return ErrorSeries(minutes: minutes, points: points)
    }
}
