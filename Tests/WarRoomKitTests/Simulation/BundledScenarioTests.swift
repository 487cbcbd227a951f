import Testing
import WarRoomKit
import WarRoomTestSupport

/// Each bundled scenario shows the failure its comments promise.
@Suite struct BundledScenarioTests {
    static func drill(_ id: String) throws -> (Scenario, SimulatedTarget, LoadBalancerConsole) {
        let scenario = try ScenarioLoader.load(path: repositoryRoot + "/Playbooks/scenarios/\(id).yaml")
        let target = SimulatedTarget(scenario: scenario)
        return (scenario, target, try LoadBalancerConsole(target: target, at: scenario.start, by: "scenario"))
    }

    static func metric(_ result: ProbeResult, _ name: String) -> Double {
        result.metrics[name]?.doubleValue ?? .nan
    }

    static func at(_ scenario: Scenario, _ clock: String) -> Instant {
        Instant.parseISO8601("\(scenario.start.date)T\(clock)")!
    }

    @Test func seedDrillCascadesWithRedHerringsAndRecoversOnRollback() throws {
        let (scenario, target, console) = try Self.drill("lb-misconfig-2023-11-05")
        let t = { Self.at(scenario, $0) }
        #expect(Self.metric(try console.probe(kind: "errors", at: t("03:39:00Z")), "error_rate") < 0.01)
        // The hot servers fail their checks one after another: there are moments when some of
        // them are down and others still up, and each goes down more than once (flapping).
        var downs: [String: Int] = [:]
        var partly = 0
        var wasDown: Set<String> = []
        var now = t("03:40:00Z")
        while now < t("03:45:00Z") {
            now = now + 1000
            let down = Set(try target.snapshot(at: now).servers.filter { $0.status.hasPrefix("DOWN") }.map(\.name))
            for name in down.subtracting(wasDown) { downs[name, default: 0] += 1 }
            if !down.isEmpty, down.count < 3 { partly += 1 }
            wasDown = down
        }
        #expect(Set(downs.keys) == ["msg-28", "msg-29", "msg-30"])
        #expect(downs.values.allSatisfy { $0 >= 2 })
        #expect(partly > 10)
        // Alert by 03:45; traffic, database and network look normal.
        #expect(Self.metric(try console.probe(kind: "errors", at: t("03:45:00Z")), "error_rate") > 0.03)
        let traffic = try console.probe(kind: "traffic", at: t("03:45:00Z"))
        #expect(abs(Self.metric(traffic, "baseline_ratio") - 1) < 0.05)
        #expect(Self.metric(traffic, "top_source_share") < 0.05)
        let db = try console.probe(kind: "db", at: t("03:45:00Z"))
        #expect(Self.metric(db, "latency_ms") == 8 && Self.metric(db, "error_rate") < 0.001)
        #expect(Self.metric(try console.probe(kind: "network", at: t("03:45:00Z")), "loss") == 0)
        #expect(Self.metric(try console.probe(kind: "distribution", at: t("03:45:00Z")), "skew") > 1.5)
        let config = try console.probe(kind: "config", at: t("03:45:00Z"))
        #expect(config.text.contains("by maintenance-automation at 03:40:00Z"))
        // About 30% of users lose service.
        let users = try target.usersAffected(at: t("04:00:00Z"))
        #expect(users > 0.25 && users < 0.4)
        // Rollback: relief within minutes.
        let rollback = try console.lb(arguments: ["rollback"], by: "alice", at: t("04:00:00Z"))
        #expect(rollback.data["version"]?.intValue == 3 && rollback.data["from_version"]?.intValue == 2)
        #expect(Self.metric(try console.probe(kind: "errors", at: t("04:05:00Z")), "error_rate") < 0.01)
        #expect(Self.metric(try console.probe(kind: "health", at: t("04:05:00Z")), "backends_down") == 0)
    }

    @Test func rollbackAloneDoesNotSurviveTheMorningPeakButTheCorrectedConfigurationDoes() throws {
        // The scenario's morning peak (14,000 req/s from 09:00), brought forward to 04:30 to keep the test short.
        var scenario = try ScenarioLoader.load(path: repositoryRoot + "/Playbooks/scenarios/lb-misconfig-2023-11-05.yaml")
        scenario.traffic.profile = [RatePoint(offset: 40 * 60_000, rate: 9000), RatePoint(offset: 60 * 60_000, rate: 14000)]
        let t = { Self.at(scenario, $0) }
        let rolledBack = try LoadBalancerConsole(target: SimulatedTarget(scenario: scenario), at: scenario.start)
        _ = try rolledBack.lb(arguments: ["rollback"], by: "alice", at: t("03:50:00Z"))
        #expect(Self.metric(try rolledBack.probe(kind: "errors", at: t("03:55:00Z")), "error_rate") < 0.01)
        #expect(Self.metric(try rolledBack.probe(kind: "errors", at: t("04:45:00Z")), "error_rate") > 0.02)

        let fixed = try LoadBalancerConsole(target: SimulatedTarget(scenario: scenario), at: scenario.start)
        _ = try fixed.lb(arguments: ["rollback"], by: "alice", at: t("03:50:00Z"))
        for server in ["msg-28", "msg-29", "msg-30"] { _ = try fixed.lb(arguments: ["enable", server], by: "alice", at: t("04:00:00Z")) }
        #expect(Self.metric(try fixed.probe(kind: "errors", at: t("04:45:00Z")), "error_rate") < 0.01)
    }

    @Test func ddosIsSeveralTimesBaselineFromFewSources() throws {
        let (scenario, _, console) = try Self.drill("ddos-2024-02-14")
        let t = Self.at(scenario, "10:25:00Z")
        let traffic = try console.probe(kind: "traffic", at: t)
        #expect(Self.metric(traffic, "baseline_ratio") > 4)
        #expect(Self.metric(traffic, "top_source_share") > 0.1)
        #expect(Self.metric(try console.probe(kind: "errors", at: t), "error_rate") > 0.2)
    }

    @Test func databaseDegradationSlowsEveryBackend() throws {
        let (scenario, target, console) = try Self.drill("db-degradation")
        let before = Self.metric(try console.probe(kind: "latency", at: Self.at(scenario, "14:15:00Z")), "p50_ms")
        let t = Self.at(scenario, "14:40:00Z")
        let after = try target.latency(at: t)
        #expect(Self.metric(try console.probe(kind: "latency", at: t), "p50_ms") > 1.5 * before)
        for server in after.servers { #expect((server.percentiles?.p50 ?? 0) > 1.5 * before) }
        #expect(Self.metric(try console.probe(kind: "db", at: t), "latency_ms") == 50)
        #expect(Self.metric(try console.probe(kind: "distribution", at: t), "skew") < 1.3)
        #expect(Self.metric(try console.probe(kind: "errors", at: t), "error_rate") > 0.02)
    }

    @Test func serversLeftInDrainMakeSurvivorsHot() throws {
        let (scenario, _, console) = try Self.drill("drain-left-after-maintenance")
        let health = try console.probe(kind: "health", at: Self.at(scenario, "21:20:00Z"))
        #expect(health.text.contains("4 drain"))
        #expect(Self.metric(try console.probe(kind: "distribution", at: Self.at(scenario, "21:20:00Z")), "max_utilization") > 0.85)
        #expect(Self.metric(try console.probe(kind: "errors", at: Self.at(scenario, "22:00:00Z")), "error_rate") > 0.1)
        for server in ["cart-05", "cart-06", "cart-07", "cart-08"] {
            _ = try console.lb(arguments: ["enable", server], by: "bob", at: Self.at(scenario, "22:00:00Z"))
        }
        #expect(Self.metric(try console.probe(kind: "errors", at: Self.at(scenario, "22:10:00Z")), "error_rate") < 0.01)
    }

    @Test func retryStormOutlivesItsTriggerUntilLoadIsShed() throws {
        let (scenario, target, console) = try Self.drill("retry-storm")
        let t = { Self.at(scenario, $0) }
        #expect(Self.metric(try console.probe(kind: "errors", at: t("09:09:00Z")), "error_rate") < 0.01)
        // The database recovered at 09:12; twenty minutes later the pool is still collapsed.
        #expect(Self.metric(try console.probe(kind: "db", at: t("09:30:00Z")), "latency_ms") == 5)
        #expect(Self.metric(try console.probe(kind: "errors", at: t("09:30:00Z")), "error_rate") > 0.5)
        let traffic = try target.traffic(at: t("09:30:00Z"))
        #expect((traffic.attemptRate ?? 0) > 3 * traffic.requestRate)
        _ = try console.lb(arguments: ["ratelimit", "1400"], by: "carol", at: t("09:30:00Z"))
        _ = try console.lb(arguments: ["ratelimit", "off"], by: "carol", at: t("09:33:00Z"))
        #expect(Self.metric(try console.probe(kind: "errors", at: t("09:40:00Z")), "error_rate") < 0.01)
    }
}
