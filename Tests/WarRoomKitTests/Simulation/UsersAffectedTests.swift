import Testing
import WarRoomKit
import WarRoomTestSupport

/// Users affected: the share of users who had a request fail because of the incident, never
/// the background failures every service has.
@Suite struct UsersAffectedTests {
    static func bundled(_ id: String) throws -> Scenario {
        try ScenarioLoader.load(path: repositoryRoot + "/Playbooks/scenarios/\(id).yaml")
    }

    static func at(_ scenario: Scenario, _ clock: String) -> Instant {
        Instant.parseISO8601("\(scenario.start.date)T\(clock)")!
    }

    @Test(arguments: [true, false])
    func aHealthyServiceWithBackgroundErrorsAffectsNobodyHoweverLongItRuns(sticky: Bool) throws {
        var scenario = try Self.bundled("db-degradation")
        scenario.events = []
        scenario.traffic.sticky = sticky
        scenario.dependencies.databaseErrorRate = 0.002
        scenario.dependencies.networkLoss = 0.001
        var model = SimulationModel(scenario: scenario)
        model.advance(to: scenario.start + 8 * 3_600_000)
        #expect(model.totals.userErrors > 10_000, "the background failed requests all along")
        #expect(model.totals.incidentUserErrors == 0)
        #expect(model.usersAffected == 0)
    }

    @Test func theSeedDrillAffectsAboutThirtyPercentAndStopsCountingOnceMitigated() throws {
        let scenario = try Self.bundled("lb-misconfig-2023-11-05")
        let t = { Self.at(scenario, $0) }
        let target = SimulatedTarget(scenario: scenario)
        let console = try LoadBalancerConsole(target: target, at: scenario.start, by: "scenario")
        let start = target.impactMark(at: t("03:40:00Z"))
        #expect(start.at == t("03:40:00Z"))
        _ = try console.lb(arguments: ["rollback"], by: "omar", at: t("04:06:00Z"))
        let mitigated = target.impactMark(at: t("04:10:00Z"))
        let impact = target.usersAffected(since: start, at: t("04:10:00Z"))
        #expect(impact > 0.25 && impact < 0.35, "\(impact)")
        // From mitigation to four hours later (before the morning peak the rollback alone cannot
        // carry): nobody more, although the database's normal 0.05% of errors goes on failing requests.
        let after = target.usersAffected(since: mitigated, at: t("08:30:00Z"))
        #expect(after < 0.001, "\(after)")
        let resolved = target.usersAffected(since: start, at: t("08:30:00Z"))
        #expect(abs(resolved - impact) < 0.002, "the figure does not creep: \(impact) at mitigation, \(resolved) hours later")
        // Since the start, before the trigger, nobody: the cumulative figure is the same one.
        #expect(abs(target.model.usersAffected - resolved) < 1e-9)
    }

    @Test func theRangeFormRunsTheModelItself() throws {
        let scenario = try Self.bundled("lb-misconfig-2023-11-05")
        var model = SimulationModel(scenario: scenario)
        let before = model.usersAffected(from: scenario.start, through: Self.at(scenario, "03:39:00Z"))
        #expect(before == 0)
        let during = model.usersAffected(from: Self.at(scenario, "03:40:00Z"), through: Self.at(scenario, "04:00:00Z"))
        #expect(during > 0.2)
        #expect(model.usersAffected(from: Self.at(scenario, "04:00:00Z"), through: Self.at(scenario, "04:00:00Z")) == 0)
    }

    @Test func aDependencyWorseThanNormalCounts() throws {
        let scenario = try Self.bundled("db-degradation")
        var model = SimulationModel(scenario: scenario)
        #expect(model.usersAffected(from: scenario.start, through: Self.at(scenario, "14:19:00Z")) == 0)
        // 3% of queries fail instead of 0.02%: the extra failures are the incident's.
        let during = model.usersAffected(from: Self.at(scenario, "14:20:00Z"), through: Self.at(scenario, "15:30:00Z"))
        #expect(during > 0.5, "\(during)")
    }
}
