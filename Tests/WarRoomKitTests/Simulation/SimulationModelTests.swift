import Testing
import WarRoomKit
import WarRoomTestSupport

@Suite struct SimulationModelTests {
    static let start = Instant.parseISO8601("2024-01-01T00:00:00Z")!

    static func pool(_ algorithm: BalanceAlgorithm, weights: [Int], rate: Double, sticky: Bool = false, events: [ScenarioEvent] = [],
                     healthCheck: HealthCheckSpec = HealthCheckSpec()) -> Scenario
    {
        Scenario(id: "test", title: "test", start: start, seed: 7, users: 100_000,
                 traffic: TrafficSpec(rate: rate, sticky: sticky, sources: 50),
                 loadBalancer: LoadBalancerSpec(algorithm: algorithm, healthCheck: healthCheck),
                 backends: weights.enumerated().map { BackendSpec(name: "b\($0.offset + 1)", capacity: 1000, latency: 20, weight: $0.element) },
                 events: events)
    }

    static func bundled(_ id: String) throws -> Scenario {
        try ScenarioLoader.load(path: repositoryRoot + "/Playbooks/scenarios/\(id).yaml")
    }

    @Test(arguments: ["lb-misconfig-2023-11-05", "ddos-2024-02-14", "retry-storm", "drain-left-after-maintenance", "db-degradation"])
    func requestsAreConservedEveryTick(id: String) throws {
        let scenario = try Self.bundled(id)
        var model = SimulationModel(scenario: scenario)
        for _ in 0..<(20 * 60) {
            model.step()
            // Per tick and cumulatively: attempts = served + failed + still waiting.
            #expect(abs(model.conservationResidual) <= 1e-6 * max(1, model.totals.attempts))
            let tick = model.lastTick
            #expect(tick.served >= 0 && tick.failedAttempts >= 0)
        }
        #expect(model.totals.attempts > 0)
        #expect(model.totals.requests >= model.totals.legitimate)
    }

    @Test(arguments: ["lb-misconfig-2023-11-05", "drain-left-after-maintenance"])
    func sameSeedGivesIdenticalSeries(id: String) throws {
        let scenario = try Self.bundled(id)
        // Long enough for each scenario's overload, where the seed decides which checks fail when.
        let duration: Int64 = 45 * 60_000
        let a = SimulationReport.render(scenario: scenario, duration: duration, every: 60_000, format: .json)
        let b = SimulationReport.render(scenario: scenario, duration: duration, every: 60_000, format: .json)
        #expect(a == b)
        var other = scenario
        other.seed += 1
        #expect(SimulationReport.render(scenario: other, duration: duration, every: 60_000, format: .json) != a)
    }

    @Test(arguments: [BalanceAlgorithm.weightedRoundRobin, .consistentHash, .powerOfTwo, .leastConnections])
    func sharesFollowWeightsAtLightLoad(algorithm: BalanceAlgorithm) throws {
        let weights = [100, 50, 25, 25, 200]
        var model = SimulationModel(scenario: Self.pool(algorithm, weights: weights, rate: 500))
        model.advance(to: Self.start + 120_000)
        let before = model.attemptsPerBackend
        model.advance(to: Self.start + 600_000)
        let after = model.attemptsPerBackend
        let got = zip(after, before).map { $0 - $1 }
        let total = got.reduce(0, +)
        let weightTotal = Double(weights.reduce(0, +))
        // Consistent hashing spreads 4,096 buckets by weight: within 1 point of share, like the rest.
        for (k, w) in weights.enumerated() {
            #expect(abs(got[k] / total - Double(w) / weightTotal) < 0.01, "backend \(k + 1) with \(algorithm)")
        }
    }

    @Test func roundRobinIgnoresWeightsButNotZero() {
        var model = SimulationModel(scenario: Self.pool(.roundRobin, weights: [100, 10, 0, 50], rate: 300))
        model.advance(to: Self.start + 60_000)
        let shares = model.attemptsPerBackend.map { $0 / model.attemptsPerBackend.reduce(0, +) }
        #expect(abs(shares[0] - 1.0 / 3) < 1e-9 && abs(shares[1] - 1.0 / 3) < 1e-9 && shares[2] == 0)
    }

    @Test func healthChecksEjectAfterFallAndReadmitAfterRise() throws {
        // All connections lost from +60s to +120s: every check fails, then every check passes.
        let events = [ScenarioEvent(offset: 60_000, dependencies: DependencyChange(networkLoss: 1)),
                      ScenarioEvent(offset: 120_000, dependencies: DependencyChange(networkLoss: 0))]
        let check = HealthCheckSpec(interval: 2000, timeout: 1000, rise: 2, fall: 3)
        var model = SimulationModel(scenario: Self.pool(.roundRobin, weights: [100, 100], rate: 100, events: events, healthCheck: check))
        model.advance(to: Self.start + 60_000)
        #expect(model.status(of: 0) == "UP")
        // fall × interval of failures: the first failed check comes within an interval (plus jitter),
        // then two more; never before 3 checks have failed.
        model.advance(to: Self.start + 64_000)
        #expect(model.status(of: 0).hasPrefix("UP"))
        model.advance(to: Self.start + 69_000)
        #expect(model.status(of: 0).hasPrefix("DOWN"))
        #expect(model.serverStats(0).chkfail == 3)
        #expect(model.healthCounts().down == 2)
        model.advance(to: Self.start + 122_000)
        #expect(model.status(of: 0).hasPrefix("DOWN"))
        model.advance(to: Self.start + 127_000)
        #expect(model.status(of: 0) == "UP")
        #expect(model.serverStats(0).lastchg <= 4)
    }

    @Test func overloadedServerFailsChecksAndLeavesRotation() {
        // One server gets 90% of 2,000 req/s with a capacity of 1,000: its queue grows, checks time out.
        var model = SimulationModel(scenario: Self.pool(.weightedRoundRobin, weights: [180, 10, 10], rate: 2000))
        model.advance(to: Self.start + 30_000)
        #expect(model.serverStats(0).chkfail >= 3)
        #expect(model.changeLog.isEmpty)
        let stats = model.serverStats(0)
        #expect(stats.eresp > 0)
    }

    @Test func drainTakesNoNewRequestsAndMaintTakesNothing() throws {
        var model = SimulationModel(scenario: Self.pool(.roundRobin, weights: [100, 100, 100], rate: 300, sticky: true))
        model.advance(to: Self.start + 10_000)
        try model.apply(ConfigChange(states: [("b1", .drain), ("b2", .maint)]), by: "test", source: .responder)
        let before = model.attemptsPerBackend
        model.advance(to: Self.start + 20_000)
        #expect(model.attemptsPerBackend[0] == before[0])
        #expect(model.attemptsPerBackend[1] == before[1])
        #expect(model.status(of: 0) == "DRAIN" && model.status(of: 1) == "MAINT")
        #expect(model.userShare(2) == 1)
        #expect(throws: TargetError.self) { try model.apply(ConfigChange(weights: [("b9", 1)]), by: "x", source: .responder) }
    }

    @Test func historyMemoryIsBounded() throws {
        var model = SimulationModel(scenario: try Self.bundled("db-degradation"))
        model.advance(to: model.scenario.start + 3 * 3_600_000)
        #expect(model.history.count == SimulationHistory.capacity)
        let last = model.history.samples(after: model.now - 30 * 60_000, through: model.now)
        #expect(last.count == 180)
        #expect(last.last?.at == model.now)
    }

    @Test func readingOftenOrRarelyGivesTheSameState() throws {
        // Probes advance the model to the clock's time; how often they do must not matter.
        let scenario = try Self.bundled("lb-misconfig-2023-11-05")
        var often = SimulationModel(scenario: scenario)
        var rarely = SimulationModel(scenario: scenario)
        var t = scenario.start
        for _ in 0..<200 {
            t = t + 7_300
            often.advance(to: t)
            _ = often.snapshot()
        }
        rarely.advance(to: t)
        #expect(often.snapshot() == rarely.snapshot())
        #expect(often.totals == rarely.totals && often.usersAffected == rarely.usersAffected)
    }

    @Test func eventsAtTheSameMomentKeepTheirOrder() {
        let events = [ScenarioEvent(offset: 60_000, set: ConfigChange(weights: [("b1", 10)])),
                      ScenarioEvent(offset: 0, set: ConfigChange(weights: [("b1", 20)])),
                      ScenarioEvent(offset: 60_000, set: ConfigChange(weights: [("b1", 30)]))]
        var model = SimulationModel(scenario: Self.pool(.weightedRoundRobin, weights: [100, 100], rate: 10, events: events))
        model.advance(to: Self.start + 61_000)
        #expect(model.configuration.servers[0].weight == 30)
        #expect(model.changeLog.map { $0.configuration.servers[0].weight } == [20, 10, 30])
    }
}
