import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Each bundled playbook walked end to end as the shell would drive it on a virtual clock:
/// the path taken, the branch decisions, the milestones and the timers at their exact
/// incident times, and that resuming from the transcript gives the same progress.
@Suite struct BundledPlaybookWalkTests {
    static func bundled(_ id: String) throws -> Playbook {
        try PlaybookLoader.load(path: "\(repositoryRoot)/Playbooks/\(id).yaml")
    }

    @Test func everyBundledPlaybookIsListedAndLintsClean() throws {
        let catalog = PlaybookCatalog(folders: [repositoryRoot + "/Playbooks"])
        #expect(catalog.entries.map(\.id) == ["database-degradation", "ddos-suspected", "generic-incident", "lb-cascading-failure", "network-latency"])
        for entry in catalog.entries {
            #expect(entry.diagnostics.map(\.description) == [])
            let playbook = try catalog.find(entry.id)
            #expect(playbook.allSteps.allSatisfy { ($0.guide ?? "").count >= 150 }, "\(entry.id): every step needs real guidance")
            #expect(playbook.allSteps.allSatisfy { !$0.run.isEmpty }, "\(entry.id): every step suggests commands")
            #expect(playbook.statusUpdateInterval != nil && !playbook.escalation.isEmpty)
        }
        #expect(try catalog.find("lb-cascading-failure").scenario == "lb-misconfig-2023-11-05")
    }

    @Test func lbCascadingFailureFromAlertToResolution() throws {
        let playbook = try Self.bundled("lb-cascading-failure")
        var drill = try PlaybookDrill(playbook, openAt: .at("03:50"))
        #expect(drill.printed.last?.contains("Step 1/26: take-command — Acknowledge the alert and take command (commander, timebox 5m, sets acknowledged)") == true)
        drill.mark("detected", at: .at("03:45"))
        drill.advance(minutes: 2)
        drill.probe("errors", ["error_rate": 0.31, "timeout_rate": 0.12])
        try drill.done()
        drill.probe("health", ["backends_up": 5, "backends_down": 3])
        try drill.done()
        drill.advance(minutes: 3)
        try drill.done()
        #expect(drill.progress.status(at: drill.now).phase == "investigation")
        drill.advance(minutes: 6)
        try drill.done()
        drill.probe("traffic", ["request_rate": 9100, "baseline_ratio": 1.02, "top_source_share": 0.01])
        try drill.done()
        drill.probe("db", ["latency_ms": 8, "error_rate": 0.0005])
        try drill.done()
        drill.probe("network", ["rtt_ms": 0.8, "loss": 0])
        try drill.done()
        drill.probe("distribution", ["skew": 2.7, "max_utilization": 1.0])
        try drill.done()
        drill.probe("config", ["minutes_since_change": 25])
        try drill.done()
        drill.advance(minutes: 4)
        try drill.done()
        drill.escalate("reliability-team", "Pool weights changed during maintenance")
        try drill.done()
        #expect(drill.progress.status(at: drill.now).nextTimer == PlaybookNextTimer(kind: .statusUpdate, due: .at("04:15"), label: "status update"))
        drill.advance(minutes: 15)
        drill.update("Messaging errors for about 30% of users since 03:45Z; rolling back a load-balancer change")
        try drill.done()
        drill.advance(minutes: 2)
        try drill.done()
        drill.probe("errors", ["error_rate": 0.12, "timeout_rate": 0.05])
        try drill.done()
        drill.advance(minutes: 3)
        try drill.done()
        drill.probe("errors", ["error_rate": 0.004, "timeout_rate": 0.001])
        try drill.done()
        drill.advance(minutes: 40)
        try drill.done()
        drill.probe("distribution", ["skew": 1.04, "max_utilization": 0.62])
        try drill.done()
        drill.probe("errors", ["error_rate": 0.002, "timeout_rate": 0.0])
        try drill.done()
        drill.advance(minutes: 60)
        try drill.done()
        try drill.done()

        #expect(drill.path == [
            "take-command", "confirm-errors", "size-impact", "list-hypotheses", "rule-out-ddos", "rule-out-database", "rule-out-network",
            "read-distribution", "read-config", "confirm-cause", "escalate-reliability", "stakeholder-update", "rollback", "verify-relief",
            "rollback-not-enough", "verify-relief", "correct-weights", "verify-fix", "confirm-resolved", "final-update", "follow-up",
        ])
        #expect(drill.checks == [
            "confirm-errors:pass", "rule-out-ddos:pass", "rule-out-database:pass", "rule-out-network:pass", "read-distribution:pass",
            "read-config:pass", "verify-relief:fail", "verify-relief:pass", "verify-fix:pass", "confirm-resolved:pass",
        ])
        #expect(drill.milestoneLog == ["03:45 detected", "03:52 acknowledged", "04:05 escalated", "04:25 mitigated", "05:05 resolved"])
        // Escalation rules: acknowledged, escalated and mitigated each came before their rule was due.
        #expect(drill.timerLog == [
            "04:00 timebox list-hypotheses", "04:15 status-update", "04:15 timebox stakeholder-update",
            "04:45 timebox correct-weights", "04:50 status-update", "05:15 timebox final-update",
        ])
        #expect(drill.entries.filter { $0.kind == .phase }.compactMap { $0.data["phase"]?.stringValue }
            == ["detection", "investigation", "escalation", "mitigation", "resolution"])
        #expect(drill.progress.finished)
        #expect(drill.progress.status(at: drill.now).summary == "playbook complete (20 done, 0 skipped of 26 steps)")
        #expect(try drill.resumed() == drill.progress)
    }

    @Test func lbCascadingFailurePagesWhenNobodyActs() throws {
        var drill = try PlaybookDrill(Self.bundled("lb-cascading-failure"), openAt: .at("03:50"))
        drill.mark("detected", at: .at("03:45"))
        drill.advance(minutes: 60)
        #expect(drill.timerLog == [
            "03:55 escalation sre-oncall", "03:55 timebox take-command", "04:15 escalation reliability-team",
            "04:15 status-update", "04:45 escalation incident-director", "04:45 status-update",
        ])
        // Each rule's reminder is a timer; nobody was paged until a responder escalates.
        #expect(drill.entries.filter { $0.kind == .timer && $0.data["timer"] == "escalation" }.compactMap { $0.data["rule"]?.intValue } == [0, 1, 2])
        #expect(drill.entries.filter { $0.kind == .escalation }.isEmpty)
        #expect(drill.progress.status(of: "take-command") == .overdue)
        #expect(try drill.resumed() == drill.progress)
    }

    @Test func ddosSuspectedBranchesBackToTheLoadBalancer() throws {
        var drill = try PlaybookDrill(Self.bundled("ddos-suspected"), openAt: .at("03:50"))
        drill.mark("detected", at: .at("03:45"))
        try drill.done()
        drill.probe("traffic", ["request_rate": 9050, "baseline_ratio": 1.01, "top_source_share": 0.01])
        try drill.done()
        #expect(drill.progress.currentPhase == "back-to-load-balancer")
        #expect(drill.printed.last?.contains("Not this: traffic is within twice its baseline") == true)
        #expect(drill.printed.last?.contains("return to the\n  lb-cascading-failure investigation") == true)
        drill.advance(minutes: 5)
        try drill.done()
        drill.probe("distribution", ["skew": 2.7, "max_utilization": 1.0])
        try drill.done()
        drill.advance(minutes: 10)
        try drill.done()
        drill.probe("errors", ["error_rate": 0.006])
        try drill.done()
        drill.probe("errors", ["error_rate": 0.003])
        try drill.done()
        try drill.done()
        #expect(drill.path == [
            "take-command", "measure-traffic", "not-a-ddos", "check-distribution", "find-change", "verify-relief", "confirm-resolved", "wrap-up",
        ])
        #expect(drill.checks == ["measure-traffic:fail", "check-distribution:pass", "verify-relief:pass", "confirm-resolved:pass"])
        #expect(drill.milestoneLog == ["03:45 detected", "03:50 acknowledged", "04:05 mitigated", "04:05 resolved"])
        // not-a-ddos ran past its 5m timebox; the 30m escalation to network security was due
        // at 04:15, after mitigation, so it never fires.
        #expect(drill.timerLog == ["03:55 timebox not-a-ddos"])
        #expect(drill.progress.finished)
        #expect(try drill.resumed() == drill.progress)
    }

    @Test func ddosSuspectedBlocksARealAttack() throws {
        var drill = try PlaybookDrill(Self.bundled("ddos-suspected"), openAt: .at("10:00"))
        try drill.done()
        drill.probe("traffic", ["request_rate": 41000, "baseline_ratio": 4.5, "top_source_share": 0.62])
        try drill.done()
        try drill.done()
        drill.escalate("network-security", "Traffic 4.5x baseline, 62% from a few networks")
        drill.advance(minutes: 20)
        try drill.done()
        drill.probe("errors", ["error_rate": 0.03])
        try drill.done()
        #expect(drill.path == ["take-command", "measure-traffic", "identify-sources", "block-at-edge", "verify-relief", "not-a-ddos"])
        #expect(drill.checks == ["measure-traffic:pass", "identify-sources:pass", "verify-relief:fail"])
        // Timers from the opening (no detected mark): the block took 20m, past its 15m timebox.
        #expect(drill.timerLog == ["10:15 timebox block-at-edge"])
        #expect(try drill.resumed() == drill.progress)
    }

    @Test func databaseDegradationRulesOutTheDatabase() throws {
        var drill = try PlaybookDrill(Self.bundled("database-degradation"), openAt: .at("03:50"))
        drill.mark("detected", at: .at("03:45"))
        try drill.done()
        drill.probe("db", ["latency_ms": 8, "error_rate": 0.0005])
        try drill.done()
        #expect(drill.progress.currentStepID == "not-the-database")
        #expect(drill.printed.last?.contains("lb-cascading-failure investigation") == true)
        drill.advance(minutes: 25)
        try drill.done()
        drill.probe("distribution", ["skew": 1.1])
        try drill.done()
        #expect(drill.progress.currentStepID == "escalate-unknown")
        #expect(drill.checks == ["measure-database:fail", "check-distribution:fail"])
        // The timebox of not-the-database, the 20m database page (nothing mitigated) and the 30m reminder.
        #expect(drill.timerLog == ["03:55 timebox not-the-database", "04:05 escalation database-oncall", "04:15 status-update"])
        #expect(try drill.resumed() == drill.progress)
    }

    @Test func databaseDegradationFailsOverAFailingPrimary() throws {
        var drill = try PlaybookDrill(Self.bundled("database-degradation"), openAt: .at("03:50"))
        try drill.done()
        drill.probe("db", ["latency_ms": 480, "error_rate": 0.09])
        try drill.done()
        try drill.done()
        try drill.done()
        drill.probe("errors", ["error_rate": 0.004])
        try drill.done()
        #expect(drill.path == ["take-command", "measure-database", "database-errors", "fail-over", "verify-relief", "confirm-resolved"])
        #expect(drill.checks == ["measure-database:pass", "database-errors:pass", "verify-relief:pass"])
        #expect(drill.progress.milestones["mitigated"] == .at("03:50"))
    }

    @Test func networkLatencyRulesOutTheNetworkAndFindsLoss() throws {
        var clean = try PlaybookDrill(Self.bundled("network-latency"), openAt: .at("03:50"))
        try clean.done()
        clean.probe("network", ["rtt_ms": 0.8, "loss": 0])
        try clean.done()
        try clean.done()
        #expect(clean.path == ["take-command", "measure-network", "check-loss-anyway", "not-the-network"])
        #expect(clean.checks == ["measure-network:fail", "check-loss-anyway:fail"])
        #expect(clean.progress.currentPhase == "back-to-load-balancer")

        var lossy = try PlaybookDrill(Self.bundled("network-latency"), openAt: .at("03:50"))
        try lossy.done()
        lossy.probe("network", ["rtt_ms": 0.9, "loss": 0.04])
        try lossy.done()
        try lossy.done()
        #expect(lossy.path == ["take-command", "measure-network", "check-loss-anyway", "reroute"])
        #expect(lossy.checks == ["measure-network:fail", "check-loss-anyway:pass"])
        // Rerouting takes 25 minutes: past its 15m timebox, and past the 20m page to the
        // network on-call (no detected mark: counted from the opening at 03:50).
        lossy.advance(minutes: 25)
        #expect(lossy.timerLog == ["04:05 timebox reroute", "04:10 escalation network-oncall"])
        try lossy.done()
        lossy.probe("errors", ["error_rate": 0.004])
        try lossy.done()
        #expect(lossy.progress.currentStepID == "confirm-resolved")
        #expect(lossy.milestoneLog == ["03:50 acknowledged", "04:15 mitigated"])
        #expect(try lossy.resumed() == lossy.progress)
    }

    @Test func genericIncidentRunsIncidentCommand() throws {
        var drill = try PlaybookDrill(Self.bundled("generic-incident"), openAt: .at("14:00"))
        drill.mark("detected", at: .at("13:55"))
        try drill.done()
        drill.advance(minutes: 5)
        try drill.done()
        try drill.done()
        drill.update("Checkout errors for some users; investigating")
        try drill.done()
        drill.advance(minutes: 10)
        try drill.done()
        try drill.done()
        try drill.skip(reason: "the fix is ours")
        try drill.done()
        drill.probe("errors", ["error_rate": 0.05])
        try drill.done()
        try drill.done()
        drill.probe("errors", ["error_rate": 0.002])
        try drill.done()
        #expect(drill.path == [
            "take-command", "assign-roles", "set-severity", "first-update", "gather-facts", "write-hypotheses", "escalate-if-needed",
            "choose-mitigation", "verify-mitigation", "choose-mitigation", "verify-mitigation", "confirm-resolved",
        ])
        #expect(drill.stepLog.contains("escalate-if-needed:skipped"))
        #expect(drill.checks == ["verify-mitigation:fail", "verify-mitigation:pass"])
        #expect(drill.milestoneLog == ["13:55 detected", "14:00 acknowledged", "14:15 mitigated"])
        // The first update at 14:05 moves the next reminder from 14:25 to 14:35.
        drill.advance(minutes: 30)
        #expect(drill.timerLog == ["14:35 status-update", "14:45 timebox confirm-resolved"])
        #expect(try drill.resumed() == drill.progress)
    }
}
