import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Drills of the bundled load-balancer scenario, worked in the library's shell for these
/// tests, compiled the way `warroom postmortem` compiles them (the simulation re-run from the
/// scenario the transcript pins).
@Suite struct PostmortemDrillTests {
    static let playbooks = "\(repositoryRoot)/Playbooks"

    /// Opens the bundled drill (playbook and scenario) on a clock moved only by `advance`, runs
    /// the lines, and returns the transcript's path.
    static func drill(_ lines: [String], in folder: TemporaryFolder) throws -> String {
        var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
        options.scenario = "lb-misconfig-2023-11-05"
        options.playbook = "lb-cascading-failure"
        options.playbookFolders = [playbooks]
        options.speed = 0
        let session = try Session.start(options, source: .fixed(SessionTests.t0)).0
        for line in lines {
            let result = session.handle(line)
            #expect(result.error == nil, "\(line): \(result.error ?? "")")
        }
        return session.path
    }

    static func compile(_ path: String) throws -> PostmortemModel {
        try Postmortem.compile(transcriptPath: path, scenarioFolders: [playbooks], drawChart: false)
    }

    /// The incident worked briefly the way its responders worked it: misleading paths, an
    /// escalation, the rollback at 04:06, mitigation marked at 04:10, the fix, resolution.
    static let mitigatedAt0410 = [
        "advance 15m",
        "mark impact-start --at 03:40Z Errors stepped up at 03:40Z",
        "mark detected Pager: messaging error rate above 5% for 2 minutes",
        "probe errors",
        "hypothesis DDoS: a flood of traffic",
        "probe traffic",
        "rule-out H1 Traffic at 1.00x its baseline from 400 networks",
        "hypothesis Database: slow queries on every backend",
        "probe db",
        "rule-out H2 Database latency 8.0 ms and errors 0.05%, both normal",
        "escalate reliability-team Errors at 11% and the usual suspects are clear",
        "advance 10m",
        "probe distribution",
        "hypothesis Load balancer: weights changed during maintenance",
        "confirm H3 Skew 2.93x: three servers at weight 100 against 25 for the other 27",
        "rootcause Maintenance left the pool's weights inverted: three servers took a quarter of the traffic and failed their health checks",
        "trigger Configuration v2, applied by the maintenance automation at 03:40Z",
        "impact About 30% of users could not send or receive messages",
        "update Messaging is failing for about 30% of users; we are rolling back the load balancer.",
        "advance 11m",
        "probe errors",
        "lb rollback 1",
        "advance 4m",
        "probe errors",
        "mark mitigated Errors back to 0.05% after the rollback",
        "action Alert on distribution skew: above 1.5 for 5 minutes --owner omar --type prevent --due 2023-11-20",
        "action Review maintenance weight changes: a second reviewer for each --owner riya --type process --due 2023-11-30",
        "note #went-well Relief within 4 minutes of the rollback",
        "note #went-wrong The load balancer was our last suspect",
        "note #lucky Traffic was low overnight",
        "advance 20m",
        "lb enable msg-28",
        "lb enable msg-29",
        "lb enable msg-30",
        "advance 30m",
        "update Resolved: errors at 0.05% with all 30 servers in service.",
        "mark resolved Errors at 0.05% with all 30 servers in service",
        "close Rolled back at 04:06Z, fixed at 04:30Z",
    ]

    @Test func aDrillMitigatedAt0410CountsTheUsersHitBeforeTheRollback() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.drill(Self.mitigatedAt0410, in: folder)
        let model = try Self.compile(path)
        let summary = model.summary
        #expect(summary.usersAffectedSource == .simulation)
        #expect(summary.impactWindow == PostmortemModel.ImpactWindow(from: TranscriptFixture.time("03:40"), fromBasis: "impact-start",
                                                                     through: TranscriptFixture.time("04:10"), throughBasis: "mitigated"))
        // About 30% of the users hash to the three overloaded servers.
        let share = try #require(summary.usersAffected)
        #expect(share > 0.2 && share < 0.35, "\(share)")
        // The one figure is the simulation's; the statement says 30%, close enough not to be shown twice.
        #expect(summary.statedUsersAffected == 0.3)
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(markdown.contains("**Impact:** \(MetricText.percent(share)) of users had requests fail because of the incident between impact start and mitigation (drill simulation)."))
        #expect(!markdown.contains("the impact statement says"))
        #expect(markdown.contains("**Duration:** users were affected for 30 min, 2023-11-05 03:40–04:10 UTC, from impact start to mitigation; the incident ran 1 h 20 min, to resolution at 05:00 UTC."))
        // The resolution names the rollback, who did it and when, and the fix.
        let rollback = try #require(model.resolution.step(.rollback))
        #expect(rollback.rollbackTo == 1)
        #expect(rollback.by == ["dana"])
        #expect(rollback.from == TranscriptFixture.time("04:06"))
        #expect(rollback.summary == "weight 25 → 100 on msg-01…msg-27 (27); state ready → drain on msg-28, msg-29, msg-30")
        let fix = try #require(model.resolution.step(.fix))
        #expect(fix.summary == "state drain → ready on msg-28, msg-29, msg-30")
        #expect(markdown.contains("**Resolution.** Rolled back to v1 at 04:06 UTC by dana: weight 25 → 100 on msg-01…msg-27 (27); state ready → drain on msg-28, msg-29, msg-30."))
        #expect(markdown.contains("Permanent fix, configuration v6, by dana at 04:30 UTC: state drain → ready on msg-28, msg-29, msg-30."))
        let relief = try #require(model.resolution.relief)
        #expect(relief.before.at == TranscriptFixture.time("04:06") && relief.before.value > 0.05)
        #expect(relief.after.at == TranscriptFixture.time("04:10") && relief.after.value < 0.01)
        // The body is what a team publishes.
        #expect((400...600).contains(model.bodyWordCount), "\(model.bodyWordCount) words")
        #expect(PostmortemCheck.check(model, wordRange: 400...600).filter { if case .bodyLength = $0 { return true } else { return false } }.isEmpty)
    }

    @Test func aDrillLeftUnmitigatedForEightHoursDoesNotCreepWithBackgroundErrors() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.drill([
            "advance 15m", "mark impact-start --at 03:40Z", "mark detected", "probe errors",
            "advance 8h", "probe errors", "mark resolved", "close",
        ], in: folder)
        let model = try Self.compile(path)
        #expect(model.summary.usersAffectedSource == .simulation)
        #expect(model.summary.impactWindow?.throughBasis == "resolved")
        let eightHours = try #require(model.summary.usersAffected)
        // Measured over the first half hour only, the same drill gives the same share: the users
        // of the three overloaded servers, hit in the first minutes. Nothing creeps in after.
        let scenario = try ScenarioLookup.find("lb-misconfig-2023-11-05", folders: [Self.playbooks])
        let halfHour = try PostmortemSimulation.usersAffected(scenario, commands: [], from: TranscriptFixture.time("03:40"), through: TranscriptFixture.time("04:10"))
        #expect(abs(eightHours - halfHour) < 0.01, "\(halfHour) after 30 min, \(eightHours) after 8 h")
        #expect(eightHours > 0.2 && eightHours < 0.35)
        // The probe counts by the same definition (nothing failed because of the incident
        // before 03:40), so after eight hours it reads the postmortem's figure.
        let log = try TranscriptLog.read(path: path)
        let lastReading = try #require(log.entries.last { $0.kind == .probe }?.data["metrics"]?["users_affected"]?.doubleValue)
        #expect(abs(lastReading - eightHours) < 0.01, "the probe read \(lastReading) after 8 h, the postmortem \(eightHours)")
    }

    @Test func aStatementFarFromTheMeasuredFigureIsShownNextToIt() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.drill([
            "advance 15m", "mark impact-start --at 03:40Z", "mark detected",
            "impact About 60% of users cannot send messages", "advance 21m", "lb rollback 1", "advance 4m", "mark mitigated",
        ], in: folder)
        let model = try Self.compile(path)
        let share = try #require(model.summary.usersAffected)
        #expect(model.summary.usersAffectedSource == .simulation)
        #expect(model.summary.statedUsersAffected == 0.6)
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(markdown.contains("**Impact:** \(MetricText.percent(share)) of users had requests fail because of the incident between impact start and mitigation (drill simulation); the impact statement says 60.0%."))
        // Compiled without the simulation, the statement is the one figure.
        let withoutSimulation = try Postmortem.compile(transcriptPath: path)
        #expect(withoutSimulation.summary.usersAffected == 0.6)
        #expect(withoutSimulation.summary.usersAffectedSource == .impactStatement)
    }

    @Test func theBodysTimelineOfADrillIsCuratedAndTellsNoPage() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.drill(Self.mitigatedAt0410, in: folder)
        let model = try Self.compile(path)
        let events = model.curated.events
        #expect(events.count <= 20)
        #expect(!events.contains { [.step, .phase, .timer, .note, .probe].contains($0.kind) })
        let texts = events.map(\.text)
        // Each hypothesis is one bullet, from raised to decided, with the reason.
        #expect(texts.contains("H1 DDoS ruled out: Traffic at 1.00x its baseline from 400 networks"))
        #expect(texts.contains("H2 Database ruled out: Database latency 8.0 ms and errors…"))
        #expect(texts.contains("H3 Load balancer confirmed: Skew 2.93x: three servers at weight…"))
        #expect(events.first { $0.text.hasPrefix("H1") }?.until == TranscriptFixture.time("03:45"))
        #expect(texts.contains("dana escalated to reliability-team"))
        #expect(texts.contains { $0.hasPrefix("Rollback to v1 by dana") })
        #expect(texts.contains { $0.hasPrefix("Mitigated: errors ") })
        #expect(texts.contains { $0.hasPrefix("First update: Messaging is failing") })
        #expect(texts.contains { $0.hasPrefix("Final update: Resolved") })
        // The playbook's escalation rule fell due (nobody acknowledged within 10 minutes): a
        // reminder in the Appendix, never a page.
        #expect(model.timeline.contains { $0.kind == .timer && $0.text.hasPrefix("Reminder: Escalation rule 1 says: page sre-oncall") })
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(!markdown.lowercased().contains("paged"))
        #expect(!markdown.contains("Escalated to sre-oncall"))
    }
}
