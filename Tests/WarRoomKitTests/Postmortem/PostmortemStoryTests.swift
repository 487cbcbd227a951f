import Testing
@testable import WarRoomKit

/// The body's story, told from the record: what the curated timeline shows and leaves out,
/// the configuration steps, detection, the readings a decision rested on, and bounds on length.
@Suite struct PostmortemStoryTests {
    /// `weight msg-01: 100 → 25` … for `count` servers.
    static func weights(_ range: ClosedRange<Int>, from: Int, to: Int) -> [String] {
        range.map { "weight msg-\($0 < 10 ? "0" : "")\($0): \(from) → \(to)" }
    }

    @Test func aReminderIsNeverAPageAndAnEscalationSaysWhenItCameAfterOne() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        t.at("04:15")
        t.by = IncidentState.automaticAuthor
        // A fired rule: the timer, and (in transcripts written before) an escalation entry with its rule.
        t.add(.timer, text: "Escalation rule 2: page reliability-team — nobody has escalated yet (30m after detection, not escalated)",
              data: ["timer": "escalation", "due": "2023-11-05T04:15:00.000Z", "page": "reliability-team", "rule": 1])
        t.add(.escalation, text: "Escalation rule 2: page reliability-team", data: ["to": "reliability-team", "reason": "nobody has escalated yet", "rule": 1])
        t.by = "alice"
        t.at("04:27")
        t.add(.escalation, text: "Escalated to reliability-team: skew points at the balancer",
              data: ["to": "reliability-team", "reason": "skew points at the balancer"])
        t.mark("escalated")
        let model = try t.model()
        let curated = model.curated.events.map(\.text)
        #expect(curated.contains("alice escalated to reliability-team, 12 min after the playbook's reminder to page them"))
        #expect(curated.filter { $0.contains("escalated") || $0.contains("Escalated") }.count == 1)
        let full = model.timeline.map(\.text)
        #expect(full.contains("Reminder: Escalation rule 2: page reliability-team — nobody has escalated yet (30m after detection, not escalated)"))
        #expect(full.filter { $0.hasPrefix("Escalated to reliability-team") } == ["Escalated to reliability-team: skew points at the balancer"])
        for format in PostmortemFormat.allCases {
            #expect(!PostmortemRenderer.render(model, format: format).lowercased().contains("paged"), "\(format)")
        }
    }

    @Test func aRuleThatFiredWithNoEscalationAfterItIsOnlyAReminder() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        t.at("04:15")
        t.by = IncidentState.automaticAuthor
        t.add(.timer, text: "Escalation rule 2: page reliability-team", data: ["timer": "escalation", "page": "reliability-team", "rule": 1])
        let model = try t.model()
        #expect(!model.curated.events.contains { $0.kind == .escalation || $0.kind == .timer })
        #expect(model.metrics.value("time_to_escalate") == nil)
        #expect(!PostmortemRenderer.render(model, format: .markdown).contains("Escalated to"))
    }

    @Test func theTimelineLeavesOutNoiseAndKeepsTheMisleadingPathsWithTheirReasons() throws {
        let model = try TranscriptFixture.originalIncident().model()
        let events = model.curated.events
        #expect(!events.contains { [.step, .phase, .timer, .note, .statement, .action, .open, .close].contains($0.kind) })
        for (id, reason) in [("H1", "traffic is at baseline and spread…"), ("H2", "database latency normal at 8 ms"), ("H3", "rtt 0.8 ms and no loss")] {
            #expect(events.contains { $0.kind == .hypothesis && $0.text.hasPrefix(id) && $0.text.hasSuffix("ruled out: " + reason) }, "\(id)")
        }
        #expect(events.map(\.at) == events.map(\.at).sorted())
        // Each milestone once; the hypotheses as spans.
        #expect(events.filter { $0.kind == .milestone }.map(\.text) == ["Impact started", "Detected", "Acknowledged", "Mitigated: errors 31.0% at 03:45 → 2.0% at 04:40", "Resolved: Weights corrected"])
        #expect(events.first { $0.text.hasPrefix("H2") }?.until == TranscriptFixture.time("04:05"))
    }

    @Test func highlightPutsAnEntryInTheBodyAndOmitKeepsOneOut() throws {
        var t = TranscriptFixture.originalIncident()
        let probe = try #require(t.entries.first { $0.kind == .probe && $0.data["probe"] == "distribution" }).seq
        let note = try #require(t.entries.first { $0.kind == .note && $0.text.hasPrefix("Nobody checked") }).seq
        let update = try #require(t.entries.first { $0.kind == .update }).seq
        t.add(.highlight, text: "Highlight", data: ["target": .int(probe), "reason": "the skew that named the cause"])
        t.add(.highlight, text: "Highlight", data: ["target": .int(note)])
        t.add(.omit, text: "Omit", data: ["target": .int(update), "reason": "says nothing the mitigation does not"])
        var model = try t.model()
        let highlighted = model.curated.events.filter(\.highlighted)
        #expect(highlighted.map(\.text) == ["Probe distribution: skew 3.4×, max utilization 160.0% (the skew that named the cause)",
                                             "Nobody checked the weights after the maintenance"])
        #expect(highlighted.map(\.kind) == [.probe, .note])
        #expect(!model.curated.events.contains { $0.seq == update })
        #expect(model.curated.omitted == [PostmortemModel.Omission(seq: update, reason: "says nothing the mitigation does not")])
        // Omitted from the body, still in the Appendix.
        #expect(model.timeline.contains { $0.seq == update })
        var markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(markdown.contains("- **04:25 UTC** — Probe distribution: skew 3.4×, max utilization 160.0% (the skew that named the cause) (highlighted)"))
        #expect(markdown.contains("Left out at the responders' request: \\#\(update) (see the Appendix)."))
        // Both are entries: retracting them undoes them.
        let highlights = t.entries.filter { $0.kind == .highlight || $0.kind == .omit }.map(\.seq)
        for seq in highlights { t.retract(seq, "changed our mind") }
        model = try t.model()
        #expect(!model.curated.events.contains { $0.highlighted })
        #expect(model.curated.events.contains { $0.seq == update })
        #expect(model.curated.omitted.isEmpty)
        markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(!markdown.contains("(highlighted)"))
    }

    @Test func configurationChangesAreToldAsTriggerRollbackAndFixWithTheirNetEffect() throws {
        var t = TranscriptFixture()
        t.at("03:40")
        t.by = "maintenance-automation"
        t.lb("Routine maintenance done", action: "scenario-event", from: 1, to: 2,
             changes: Self.weights(1...27, from: 100, to: 25) + ["state msg-28: drain → ready", "state msg-29: drain → ready", "state msg-30: drain → ready"])
        t.by = "alice"
        t.at("03:45")
        t.mark("impact-start", at: "03:40")
        t.mark("detected")
        t.at("04:06")
        t.by = "omar"
        t.lb("rollback to version 1", action: "rollback", value: 1, from: 2, to: 3,
             changes: Self.weights(1...27, from: 25, to: 100) + ["state msg-28: ready → drain", "state msg-29: ready → drain", "state msg-30: ready → drain"])
        t.at("04:09")
        t.mark("mitigated")
        t.at("04:15")
        t.by = "riya"
        t.lb("weight", action: "weight", backend: "msg-28", value: 25, from: 3, to: 4, changes: ["weight msg-28: 100 → 25"])
        t.lb("enable", action: "enable", backend: "msg-28", from: 4, to: 5, changes: ["state msg-28: drain → ready"])
        t.at("04:20")
        t.lb("weight", action: "weight", backend: "msg-28", value: 100, from: 5, to: 6, changes: ["weight msg-28: 25 → 100"])
        t.at("07:05")
        t.lb("trim", action: "weight", backend: "msg-05", value: 80, from: 6, to: 7, changes: ["weight msg-05: 100 → 80"])
        t.at("11:30")
        t.mark("resolved")
        let model = try t.model()
        let steps = model.resolution.steps
        #expect(steps.map(\.role) == [.trigger, .rollback, .fix, .other])
        #expect(steps[0].summary == "weight 100 → 25 on msg-01…msg-27 (27); state drain → ready on msg-28, msg-29, msg-30")
        #expect(steps[1].rollbackTo == 1)
        #expect(steps[1].by == ["omar"])
        // A weight lowered for a canary and raised back is no change; the server came back.
        #expect(steps[2].summary == "state drain → ready on msg-28")
        #expect((steps[2].fromVersion, steps[2].version, steps[2].changeCount) == (3, 6, 3))
        #expect(steps[3].summary == "weight 100 → 80 on msg-05")
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(markdown.contains("- **03:40 UTC** — Configuration v2 by maintenance-automation: the trigger"))
        #expect(markdown.contains("- **04:06 UTC** — Rollback to v1 by omar"))
        #expect(markdown.contains("- **04:15–04:20 UTC** — Permanent fix by riya: configuration v6"))
        #expect(markdown.contains("Permanent fix, configuration v6, by riya at 04:20 UTC: state drain → ready on msg-28."))
        // The full diff is in the Appendix, one line per server and field.
        #expect(markdown.contains("| 03:40 UTC | v1 → v2 | maintenance-automation | scenario-event | weight msg-01: 100 → 25 |"))
        #expect(markdown.contains("|   |   |   |   | state msg-30: drain → ready |"))
    }

    @Test(arguments: [
        (["changes": ["weight s1: 100 → 50"]], ["weight s1: 100 → 50"]),
        (["diff": [["server": "s1", "field": "weight", "from": 100, "to": 50]]], ["weight s1: 100 → 50"]),
        (["from": ["servers": [["name": "s1", "weight": 100, "state": "ready"]]], "to": ["servers": [["name": "s1", "weight": 50, "state": "drain"]]]],
         ["weight s1: 100 → 50", "state s1: ready → drain"]),
        (["action": "weight", "backend": "s1", "value": 50], ["weight s1 50"]),
        (["action": "rollback", "value": 1], []),
    ] as [(JSONObject, [String])])
    func lbEntriesAreReadGenerically(_ data: JSONObject, _ expected: [String]) {
        #expect(PostmortemBuilder.changeLines(data) == expected)
    }

    @Test func anIncidentAcrossMidnightShowsTheDate() throws {
        var t = TranscriptFixture(start: "2023-11-05T23:40:00Z")
        t.at("23:50")
        t.mark("detected")
        t.now = Instant.parseISO8601("2023-11-06T00:20:00Z")!
        t.mark("mitigated")
        t.hypothesis("H1", "DNS")
        t.now = Instant.parseISO8601("2023-11-06T00:25:00Z")!
        t.ruleOut("H1", "resolvers answer in 2 ms")
        let markdown = PostmortemRenderer.render(try t.model(), format: .markdown)
        #expect(markdown.contains("- **23:50 UTC** — Detected"))
        #expect(markdown.contains("- **2023-11-06 00:20 UTC** — Mitigated"))
        #expect(markdown.contains("- **2023-11-06 00:20–00:25 UTC** — H1 DNS ruled out: resolvers answer in 2 ms"))
    }

    @Test func detectionReadsTheFirstFiringAlertAndSaysWhatWouldHaveBeenSooner() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.by = "monitoring"
        t.add(.alert, text: "Alert MessagingErrorRate firing: errors.error_rate 10.1% above 5% for 2 min",
              data: ["alert": "MessagingErrorRate", "state": "firing", "metric": "errors.error_rate", "value": 0.101, "threshold": 0.05,
                     "comparison": "above", "for_s": 120, "since": "2023-11-05T03:43:00.000Z"])
        t.by = "alice"
        t.at("03:47")
        t.add(.milestone, text: "paged", data: ["milestone": "detected", "time": "2023-11-05T03:45:00.000Z", "alert": "MessagingErrorRate"])
        t.mark("impact-start", at: "03:40")
        t.action("A1", "Alert on distribution skew: above 1.5", owner: "omar", type: "prevent")
        let model = try t.model()
        let detection = model.detection
        #expect(detection.alert?.name == "MessagingErrorRate")
        #expect(detection.alert?.since == TranscriptFixture.time("03:43"))
        #expect(detection.timeToDetect == 300_000)
        #expect(detection.sooner == [
            "Alert MessagingErrorRate: its condition held from 03:43 UTC and the rule waited 2 min; the condition came 3 min after the impact started.",
            "Sooner next time: A1, among the action items.",
        ])
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(markdown.contains("Detected at 03:45 UTC from alert MessagingErrorRate (error rate above 5.0% for 2 min). Time to detect: 5 min, from 03:40 UTC."))
        #expect(markdown.contains("- **03:45 UTC** — Alert MessagingErrorRate firing"))
        #expect(markdown.contains("- **03:45 UTC** — Detected from alert MessagingErrorRate (marked at 03:47 UTC)"))
    }

    @Test func theRootCauseCitesTheReadingsThatConfirmedItNotTheLastProbesRun() throws {
        var t = TranscriptFixture()
        t.at("04:00")
        t.probe("distribution", ["skew": 2.93, "max_utilization": 4.7])
        t.probe("config", ["minutes_since_change": 23])
        t.hypothesis("H1", "Load balancer: a configuration change concentrating traffic")
        t.at("04:03")
        // Probes run after the distribution, unrelated to the hypothesis.
        t.probe("latency", ["p50_ms": 44, "p99_ms": 3000])
        t.probe("network", ["rtt_ms": 0.8, "loss": 0])
        t.probe("db", ["latency_ms": 8, "error_rate": 0.0005])
        t.confirm("H1", "Configuration v2 left three servers at weight 100 against 25: skew 2.93x")
        let confirmed = try #require(try t.model().resolution.confirmed.first)
        #expect(confirmed.evidence.map(\.probe) == ["distribution", "config"])
        // And for a misleading path: the figure the reason quotes.
        var u = TranscriptFixture()
        u.hypothesis("H1", "Database: degradation slowing every backend")
        u.probe("db", ["latency_ms": 8, "error_rate": 0.0005])
        u.probe("latency", ["p50_ms": 44, "p99_ms": 3000])
        u.probe("errors", ["error_rate": 0.112])
        u.ruleOut("H1", "Database latency 8.0 ms and error rate 0.05%, both normal")
        #expect(try u.model().misleadingPaths.first?.evidence.map(\.probe) == ["db"])
    }

    @Test func aLongIncidentsBodyStaysShortAndSaysWhatItLeftOut() throws {
        var t = TranscriptFixture()
        t.at("03:40")
        t.mark("impact-start")
        t.at("03:45")
        t.mark("detected")
        for n in 1...60 {
            t.now = TranscriptFixture.time("04:00") + Int64(n) * 240_000
            t.hypothesis("H\(n)", "Suspect number \(n): something in the stack behaving badly under load")
            t.probe("errors", ["error_rate": 0.2, "users_affected": 0.3])
            t.ruleOut("H\(n)", "The probe for suspect \(n) shows normal figures across the whole pool, so it is not that")
            t.action("A\(n)", "Follow-up number \(n): make sure the thing we looked at cannot mislead the next responder", owner: "sre", type: n % 2 == 0 ? "prevent" : "process")
            t.note("Lesson number \(n): what we learned while checking suspect \(n), written at length for the record #went-wrong")
            t.add(.update, text: "Still investigating, suspect \(n) cleared; next update in 30 minutes.")
        }
        t.at("09:00")
        t.mark("mitigated")
        t.at("11:00")
        t.mark("resolved")
        let model = try t.model()
        #expect(model.curated.events.count <= 20)
        #expect(model.curated.leftOut > 40)
        #expect(model.bodyWordCount < 900, "\(model.bodyWordCount) words")
        let markdown = PostmortemRenderer.render(model, format: .markdown, appendix: false)
        #expect(markdown.contains("Also in the Appendix: "), "\(markdown)")
        #expect(markdown.range(of: #"Also in the Appendix: \d\d:\d\d UTC [^;]+ \(\\?#\d+\); .+ and \d+ more\."#, options: .regularExpression) != nil)
        #expect(markdown.contains("50 more open in the Appendix."))
        #expect(markdown.contains("56 more in the Appendix."))
    }
}
