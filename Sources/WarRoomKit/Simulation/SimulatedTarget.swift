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

    /// Makes a drill facilitator's inject into the simulated world at `now`.
    public func apply(_ inject: SimulationInject, at now: Instant) {
        model.advance(to: now)
        model.apply(inject, at: now)
    }

    public func configuration(at now: Instant) throws -> LoadBalancerConfiguration {
        model.advance(to: now)
        return model.configuration
    }

    public func ownChanges(through now: Instant) throws -> [ConfigurationChangeRecord] {
        model.advance(to: now)
        return model.changeLog.filter { $0.source == .scenario }
    }

    public func initialConfiguration(at now: Instant) throws -> LoadBalancerConfiguration {
        LoadBalancerConfiguration(scenario: model.scenario)
    }

    public func window(at now: Instant, seconds: Int) throws -> LoadBalancerWindow {
        model.advance(to: now)
        return model.windowReading(seconds: seconds)
    }

    public func errorSeries(at now: Instant, minutes: Int) throws -> ErrorSeries {
        model.advance(to: now)
        return model.errorSeries(minutes: minutes)
    }

    /// Percentiles over the last second (one tick of the model).
    public func latency(at now: Instant) throws -> LatencyReading {
        model.advance(to: now)
        let overall = percentiles { model.latencyPercentile($0) }
        let servers = (0..<model.backendCount).map { i in
            (name: model.backendNames[i], percentiles: percentiles { model.latencyPercentile($0, backend: i) })
        }
        return LatencyReading(basis: "over the last second", overall: overall, servers: servers)
    }

    func percentiles(_ quantile: (Double) -> Double?) -> LatencyPercentiles? {
        guard let p50 = quantile(0.5), let p95 = quantile(0.95), let p99 = quantile(0.99) else { return nil }
        return LatencyPercentiles(p50: p50, p95: p95, p99: p99)
    }

    /// Client requests over the window against the scenario's baseline now and the busiest
    /// minute of the last 30; the top sources' shares are the traffic's make-up now.
    public func traffic(at now: Instant, seconds: Int) throws -> TrafficReading {
        model.advance(to: now)
        let reading = model.windowReading(seconds: seconds)
        let covered = reading.window.coveredSeconds
        let requestRate = covered > 0 ? reading.pool.requests / covered : model.legitimateRate + model.attackRate
        let attempts = reading.attempts
        let current = model.legitimateRate + model.attackRate
        let series = model.errorSeries(minutes: 30)
        let peak = series.points.max { $0.requestRate < $1.requestRate }
        // The sources' make-up is the traffic's now, scaled to the window's rate.
        let scale = current > 0 ? requestRate / current : 0
        return TrafficReading(
            window: reading.window, counted: "client requests at the load balancer", requestRate: requestRate,
            baselineRate: model.scenario.baselineRate(atOffset: model.now - model.scenario.start), peakRate: peak?.requestRate, peakAt: peak?.at,
            historyMinutes: series.points.count, attemptRate: covered > 0 ? attempts / covered : model.lastTick.attempts, sources: model.distinctSources,
            topSources: model.topSources(5).map { TrafficReading.Source(network: $0.network, rate: $0.rate * scale) })
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
        return ServerDetail(stats: model.serverStats(i), capacity: model.currentCapacity(i), utilization: model.utilization(i),
                            latency: percentiles { model.latencyPercentile($0, backend: i) }, userShare: model.userShare(i),
                            lastCheckMilliseconds: model[.lastCheckLatency, i], errorSeries: model.backendErrorSeries(i, minutes: 30))
    }
}
