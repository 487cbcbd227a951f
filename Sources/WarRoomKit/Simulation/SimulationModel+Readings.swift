import Foundation

extension SimulationModel {
    /// HAProxy's `status` for a backend: `UP`, `UP 1/3` (failing checks), `DOWN`, `DOWN 1/2`
    /// (passing checks), `DRAIN` (drain state or weight 0), `MAINT`.
    public func status(of i: Int) -> String {
        let check = scenario.loadBalancer.healthCheck
        if admin[i] == .maint { return "MAINT" }
        if !healthy[i] { return checkStreak[i] > 0 ? "DOWN \(checkStreak[i])/\(check.rise)" : "DOWN" }
        if admin[i] == .drain || weight[i] == 0 { return "DRAIN" }
        return checkStreak[i] > 0 ? "UP \(checkStreak[i])/\(check.fall)" : "UP"
    }

    /// One backend's statistics under HAProxy's `show stat` names.
    public func serverStats(_ i: Int) -> ServerStats {
        let wait = self[.lastWait, i] * 1000
        let rtime = self[.lastServiceTime, i] + wait + dependencies.networkRTT
        return ServerStats(
            backend: scenario.id, name: names[i], status: status(of: i), weight: weight[i],
            scur: Int(inFlight(i).rounded()), qcur: Int((self[.liveQueue, i] + self[.deadQueue, i]).rounded()),
            stot: Int(self[.totalAttempts, i].rounded()), rate: self[.lastAttempts, i],
            hrsp5xx: Int(self[.totalServerErrors, i].rounded()), econ: Int(self[.totalConnectionErrors, i].rounded()),
            eresp: Int(self[.totalTimeouts, i].rounded()), chkfail: checkFailures[i],
            lastchg: Int(ticks - lastChangeTick[i]), rtime: Int(rtime.rounded()), ttime: Int((rtime + dependencies.networkRTT).rounded()),
            checkStatus: admin[i] == .maint ? "" : lastCheckStatus[i].rawValue, chkdown: downs(i), downtime: Int(downtimeSeconds(i)))
    }

    /// Every backend's statistics now.
    public func snapshot() -> TargetSnapshot {
        TargetSnapshot(at: now, backend: scenario.id, servers: (0..<names.count).map(serverStats))
    }

    /// Latency of backend `i`'s last tick as (requests answered, timeouts, shift ms, median ms).
    func latencyShape(_ i: Int) -> (served: Double, timeouts: Double, shift: Double, median: Double) {
        let sigma = SimulationModel.latencySigma
        return (self[.lastServed, i], self[.lastTimeouts, i], self[.lastWait, i] * 1000 + dependencies.networkRTT, self[.lastServiceTime, i] * exp(-sigma * sigma / 2))
    }

    /// Latency percentiles of one backend over the last tick, in ms (`nil` when it served nothing).
    ///
    /// Service times are log-normal around the service time (σ = 0.5), shifted by the queue
    /// wait and the network round trip; requests that timed out count at the timeout.
    public func latencyPercentile(_ p: Double, backend i: Int) -> Double? {
        let shape = latencyShape(i)
        let total = shape.served + shape.timeouts
        guard total > 1e-9 else { return nil }
        let timeoutMs = timeoutSeconds * 1000
        let served = shape.served / total
        guard p < served else { return timeoutMs }
        let value = shape.shift + shape.median * exp(SimulationModel.latencySigma * Normal.quantile(p / served))
        return min(value, timeoutMs)
    }

    /// Latency percentile of the whole pool over the last tick, in ms (`nil` when nothing was served).
    public func latencyPercentile(_ p: Double) -> Double? {
        // Backends with the same shape are merged first: a uniform pool of a thousand servers
        // is one term of the mixture.
        var groups: [(shift: Double, median: Double, served: Double)] = []
        var timeouts = 0.0
        var keyed: [(Double, Double, Double)] = []
        keyed.reserveCapacity(names.count)
        for i in 0..<names.count {
            let shape = latencyShape(i)
            timeouts += shape.timeouts
            if shape.served > 1e-9 { keyed.append((shape.shift, shape.median, shape.served)) }
        }
        keyed.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        for item in keyed {
            if let last = groups.last, abs(last.shift - item.0) < 1e-6, abs(last.median - item.1) < 1e-6 {
                groups[groups.count - 1].served += item.2
            } else {
                groups.append((item.0, item.1, item.2))
            }
        }
        let served = groups.reduce(0) { $0 + $1.served }
        let total = served + timeouts
        guard total > 1e-9 else { return nil }
        let timeoutMs = timeoutSeconds * 1000
        guard p < served / total else { return timeoutMs }
        if groups.count == 1 {
            let g = groups[0]
            return min(timeoutMs, g.shift + g.median * exp(SimulationModel.latencySigma * Normal.quantile(p * total / served)))
        }
        func cdf(_ x: Double) -> Double {
            var sum = 0.0
            for g in groups where x > g.shift {
                sum += g.served * Normal.cdf((log(x - g.shift) - log(g.median)) / SimulationModel.latencySigma)
            }
            return sum / total
        }
        var low = 0.0
        var high = timeoutMs
        if cdf(high) < p { return timeoutMs }
        for _ in 0..<40 {
            let mid = (low + high) / 2
            if cdf(mid) < p { low = mid } else { high = mid }
            if high - low < 0.01 { break }
        }
        return (low + high) / 2
    }

    /// The busiest client networks now, with their request rates, busiest first.
    ///
    /// Legitimate traffic follows a Zipf law with exponent 0.6 over `traffic.sources`
    /// networks (the top network sends a few percent); attack traffic splits evenly over its sources.
    public func topSources(_ count: Int) -> [(network: String, rate: Double, attack: Bool)] {
        let legit = legitimateRate
        let sources = scenario.traffic.sources
        let harmonic = SimulationModel.zipfNormalizer(sources)
        var result: [(String, Double, Bool)] = []
        for k in 1...min(count, sources) {
            result.append((network(k, salt: 0), legit * pow(Double(k), -SimulationModel.zipfExponent) / harmonic, false))
        }
        if let attack {
            for k in 1...min(count, attack.sources) {
                result.append((network(k, salt: 1), attack.rate / Double(attack.sources), true))
            }
        }
        result.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return Array(result.prefix(count))
    }

    /// Distinct client networks sending now.
    public var distinctSources: Int { scenario.traffic.sources + (attack?.sources ?? 0) }

    static let zipfExponent = 0.6

    static func zipfNormalizer(_ sources: Int) -> Double {
        var sum = 0.0
        for k in 1...max(1, sources) { sum += pow(Double(k), -zipfExponent) }
        return sum
    }

    /// A stable, made-up /24 network for source `k`.
    func network(_ k: Int, salt: UInt64) -> String {
        let h = SplitMix64.mix(scenario.seed ^ (UInt64(k) << 8) ^ (salt << 40) ^ 0x5EED)
        var first = Int(h % 223) + 1
        if first == 10 || first == 127 || first == 100 || first == 172 || first == 192 { first += 1 }
        return "\(first).\(Int((h >> 8) % 256)).\(Int((h >> 16) % 256)).0/24"
    }

    /// The configured capacity of backend `i` now (requests per second), lowered while the
    /// database makes each request hold a worker longer.
    public func currentCapacity(_ i: Int) -> Double {
        let extra = max(0, dependencies.databaseLatency - scenario.dependencies.databaseLatency)
        return capacity[i] * baseLatency[i] / (baseLatency[i] + extra)
    }

    /// Utilization of backend `i` in the last tick: offered load over current capacity (above 1 = overloaded).
    public func utilization(_ i: Int) -> Double {
        self[.lastAttempts, i] * (1 - dependencies.networkLoss) / currentCapacity(i)
    }

    /// Requests being served by backend `i` (Little's law: rate × service time).
    func inFlight(_ i: Int) -> Double {
        self[.lastServed, i] * self[.lastServiceTime, i] * 0.001
    }

    /// The share of user buckets mapped to backend `i` (sticky traffic), or its share of new requests.
    public func userShare(_ i: Int) -> Double {
        scenario.traffic.sticky ? Double(bucketsOwned[i]) / Double(bucketCount) : share[i]
    }

    /// Cumulative attempts per backend (for shares over a window).
    public var attemptsPerBackend: [Double] { column(.totalAttempts) }

    /// Cumulative failed attempts per backend (timeouts, connection errors, 5xx).
    public var failuresPerBackend: [Double] {
        (0..<names.count).map { self[.totalTimeouts, $0] + self[.totalConnectionErrors, $0] + self[.totalServerErrors, $0] }
    }
}

/// The standard normal distribution's CDF and quantile.
enum Normal {
    static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// Acklam's rational approximation (relative error below 1.2e-9).
    static func quantile(_ p: Double) -> Double {
        let p = min(max(p, 1e-12), 1 - 1e-12)
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low {
            let q = (-2 * log(1 - p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
