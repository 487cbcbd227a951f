/// The built-in simulation as a `LoadBalancerTarget`: every reading first advances the model
/// to the incident clock's time, so the simulation follows the clock (virtual or wall) and
/// stays a pure function of the scenario, its seed and the changes applied at their times.
public final class SimulatedTarget: LoadBalancerTarget {
    /// The model; read it for figures the protocol does not carry.
    public private(set) var model: SimulationModel

    /// The most incident time a drill simulates. The model steps in one-second ticks and is
    /// rebuilt from the scenario's start on `resume`, on `replay` and for the postmortem chart,
    /// so a transcript whose entries run on for years (damaged or forged) must be refused, not
    /// simulated.
    public static let longestDrill: Int64 = 31 * 86_400_000

    /// `31 days`, or `3h 00m` for a bound that is not whole days.
    static func spanText(_ milliseconds: Int64) -> String {
        milliseconds % 86_400_000 == 0 ? "\(milliseconds / 86_400_000) days" : DurationText.format(milliseconds: milliseconds)
    }

    /// - Parameter scenario: the scenario to run from its start.
    public init(scenario: Scenario) {
        model = SimulationModel(scenario: scenario)
    }

    public var label: String { "sim:\(model.scenario.id)" }

    /// Advances the model to `now` (never backwards).
    public func advance(to now: Instant) {
        model.advance(to: now)
    }

    public func snapshot(at now: Instant) throws -> TargetSnapshot {
        model.advance(to: now)
        return model.snapshot()
    }

    public func setWeight(_ weight: Int, server: String, at now: Instant) throws {
        guard ScenarioLoader.weightRange.contains(weight) else {
            throw TargetError.refused(target: label, command: "weight \(server) \(weight)", reason: "weights are 0…256")
        }
        model.advance(to: now)
        try model.apply(ConfigChange(weights: [(server, weight)]), by: "operator", source: .responder)
    }

    public func setState(_ state: ServerAdminState, server: String, at now: Instant) throws {
        model.advance(to: now)
        try model.apply(ConfigChange(states: [(server, state)]), by: "operator", source: .responder)
    }

    public func setAlgorithm(_ algorithm: BalanceAlgorithm, at now: Instant) throws {
        model.advance(to: now)
        try model.apply(ConfigChange(algorithm: algorithm), by: "operator", source: .responder)
    }

    public func setRateLimit(_ limit: Double?, at now: Instant) throws {
        model.advance(to: now)
        try model.apply(ConfigChange(rateLimit: .some(limit)), by: "operator", source: .responder)
    }

    public func configuration(at now: Instant) throws -> LoadBalancerConfiguration {
        model.advance(to: now)
        return model.configuration
    }

    public func ownChanges(through now: Instant) throws -> [ConfigurationChangeRecord] {
        model.advance(to: now)
        return model.changeLog.filter { $0.source == .scenario }
    }

    public func latency(at now: Instant) throws -> LatencyReading {
        model.advance(to: now)
        let overall = percentiles { model.latencyPercentile($0) }
        let servers = (0..<model.backendCount).map { i in
            (name: model.backendNames[i], percentiles: percentiles { model.latencyPercentile($0, backend: i) })
        }
        return LatencyReading(overall: overall, servers: servers)
    }

    func percentiles(_ quantile: (Double) -> Double?) -> LatencyPercentiles? {
        guard let p50 = quantile(0.5), let p95 = quantile(0.95), let p99 = quantile(0.99) else { return nil }
        return LatencyPercentiles(p50: p50, p95: p95, p99: p99)
    }

    public func load(at now: Instant) throws -> [ServerLoad] {
        model.advance(to: now)
        let (attempts, failures) = model.history.backendTotals(after: model.now - 60_000)
        let seconds = Double(min(60, max(1, model.history.count * SimulationHistory.windowSeconds)))
        let total = attempts.reduce(0, +)
        return (0..<model.backendCount).map { i in
            ServerLoad(name: model.backendNames[i], share: total > 0 ? attempts[i] / total : 0, utilization: model.utilization(i),
                       requestRate: attempts[i] / seconds, errorRate: attempts[i] > 0 ? failures[i] / attempts[i] : 0)
        }
    }

    public func errors(at now: Instant, minutes: Int) throws -> ErrorReading {
        model.advance(to: now)
        let end = model.now
        let recent = model.history.samples(after: end - 60_000, through: end)
        var window = SimulationSample(at: end)
        for sample in recent { window.absorb(sample) }
        if recent.isEmpty {
            // Less than one history window so far: the last tick stands for "now".
            let tick = model.lastTick
            window = SimulationSample(at: end, requests: tick.requests, errors: tick.errors, timeouts: tick.timeouts,
                                      serverErrors: tick.serverErrors, limited: tick.limited)
        }
        var series: [ErrorReading.Point] = []
        let from = end - Int64(minutes) * 60_000
        var minute = SimulationSample(at: from)
        var minuteEnd = from + 60_000
        for sample in model.history.samples(after: from, through: end) {
            while sample.at > minuteEnd {
                series.append(ErrorReading.Point(at: minuteEnd, errorRate: minute.errorRate, timeoutRate: minute.timeoutRate, serverErrorRate: minute.serverErrorRate))
                minute = SimulationSample(at: minuteEnd)
                minuteEnd = minuteEnd + 60_000
            }
            minute.absorb(sample)
        }
        if minute.requests > 0 {
            series.append(ErrorReading.Point(at: minuteEnd, errorRate: minute.errorRate, timeoutRate: minute.timeoutRate, serverErrorRate: minute.serverErrorRate))
        }
        return ErrorReading(windowSeconds: recent.isEmpty ? 1 : recent.count * SimulationHistory.windowSeconds, requests: window.requests,
                            errorRate: window.errorRate, timeoutRate: window.timeoutRate, serverErrorRate: window.serverErrorRate, series: series)
    }

    public func traffic(at now: Instant) throws -> TrafficReading {
        model.advance(to: now)
        let tick = model.lastTick
        let rate = model.legitimateRate + model.attackRate
        let baseline = model.scenario.baselineRate(atOffset: model.now - model.scenario.start)
        return TrafficReading(requestRate: rate, baselineRate: baseline, attemptRate: tick.attempts, sources: model.distinctSources,
                              topSources: model.topSources(5).map { TrafficReading.Source(network: $0.network, rate: $0.rate) })
    }

    public func dependencies(at now: Instant) throws -> DependencyReading {
        model.advance(to: now)
        return DependencyReading(now: model.dependencies, normal: model.scenario.dependencies)
    }

    public func usersAffected(at now: Instant) throws -> Double {
        model.advance(to: now)
        return model.usersAffected
    }

    public func serverDetail(_ name: String, at now: Instant) throws -> ServerDetail {
        model.advance(to: now)
        guard let i = model.index(of: name) else { throw TargetError.unknownServer(name: name, known: model.backendNames) }
        let series = model.history.backendSeries(i, after: model.now - 30 * 60_000)
        var perMinute: [Double] = []
        var attempts = 0.0
        var failures = 0.0
        for (k, point) in series.enumerated() {
            attempts += point.attempts
            failures += point.failures
            if (k + 1) % (60 / SimulationHistory.windowSeconds) == 0 || k == series.count - 1 {
                perMinute.append(attempts > 0 ? failures / attempts : 0)
                attempts = 0
                failures = 0
            }
        }
        return ServerDetail(stats: model.serverStats(i), capacity: model.currentCapacity(i), utilization: model.utilization(i),
                            latency: percentiles { model.latencyPercentile($0, backend: i) }, userShare: model.userShare(i),
                            lastCheckMilliseconds: model[.lastCheckLatency, i], errorSeries: perMinute)
    }
}
