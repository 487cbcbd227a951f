import Testing
import WarRoomKit

/// Metrics on transcripts whose figures were worked out by hand.
@Suite struct PostmortemMetricsTests {
    @Test func originalIncidentWithBackdatedImpactStart() throws {
        // impact-start 03:40 (marked at 03:45), detected 03:45, acknowledged 03:47,
        // escalated 04:15, mitigated 04:40, resolved 11:30.
        let model = try TranscriptFixture.originalIncident().model()
        let m = model.metrics
        #expect(m.value("time_to_detect") == 300_000)
        #expect(m.value("time_to_acknowledge") == 120_000)
        #expect(m.value("time_to_escalate") == 1_800_000)
        #expect(m.value("time_to_mitigate") == 3_300_000)
        #expect(m.value("time_to_resolve") == 27_900_000)
        #expect(m.value("impact_duration") == 28_200_000)
        #expect(m.missing.isEmpty)
        #expect(!m.impactStartAssumed)
        #expect(model.summary.start == TranscriptFixture.time("03:40"))
        #expect(model.summary.startBasis == .impactStart)
        #expect(model.summary.end == TranscriptFixture.time("11:30"))
        #expect(model.summary.duration == 28_200_000)

        let json = try JSONValue.parse(PostmortemRenderer.render(model, format: .json))
        let metrics = try #require(json["metrics"])
        #expect(metrics["time_to_detect_s"] == 300)
        #expect(metrics["time_to_resolve_s"] == 27_900)
        #expect(metrics["impact_duration_s"] == 28_200)
        #expect(json["summary"]?["duration_s"] == 28_200)
    }

    @Test func backdatedMilestoneTakesItsPlaceInTheTimeline() throws {
        let model = try TranscriptFixture.originalIncident().model()
        let impact = try #require(model.timeline.first { $0.text.hasPrefix("Impact started") })
        #expect(impact.at == TranscriptFixture.time("03:40"))
        #expect(impact.recordedAt == TranscriptFixture.time("03:45"))
        let detected = try #require(model.timeline.firstIndex { $0.text.hasPrefix("Detected") })
        #expect(try #require(model.timeline.firstIndex(of: impact)) < detected)
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(markdown.contains("- **03:40 UTC** — Impact started (marked at 03:45 UTC)"))
        #expect(markdown.contains("- **03:40 UTC** — Impact started: Errors began climbing (alice; recorded at 03:45 UTC; \\#8)"))
    }

    @Test func missingImpactStartAndAcknowledgementAreNamedNotGuessed() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        t.at("04:00")
        t.mark("mitigated")
        t.at("05:00")
        t.mark("resolved")
        let model = try t.model()
        let m = model.metrics
        #expect(m.value("time_to_detect") == nil)
        #expect(m.value("time_to_acknowledge") == nil)
        #expect(m.value("time_to_escalate") == nil)
        #expect(m.value("time_to_mitigate") == 900_000)
        #expect(m.value("time_to_resolve") == 4_500_000)
        // With no impact-start, the impact starts at detection.
        #expect(m.value("impact_duration") == 4_500_000)
        #expect(m.impactStartAssumed)
        #expect(m.missing == ["impact-start", "acknowledged", "escalated"])
        #expect(m.measurements.first { $0.name == "time_to_acknowledge" }?.missing == ["acknowledged"])
        #expect(m.notes.contains { $0.contains("impact is taken to start at detection (03:45 UTC)") })
        #expect(model.summary.startBasis == .detected)
        #expect(model.summary.start == TranscriptFixture.time("03:45"))

        let markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(markdown.contains("| Time to acknowledge | not measured: acknowledged never marked |"))
        #expect(markdown.contains("**Duration:** users were affected for 15 min, 2023-11-05 03:45–04:00 UTC, from detection (impact-start was never marked) to mitigation; the incident ran 1 h 15 min, to resolution at 05:00 UTC."))
        #expect(markdown.contains("impact-start was never marked: the impact is counted from detection."))
        let json = try JSONValue.parse(PostmortemRenderer.render(model, format: .json))
        #expect(json["metrics"]?["time_to_detect_s"] == .null)
        #expect(json["metrics"]?["impact_start_assumed"] == true)
        #expect(json["metrics"]?["milestones"]?["acknowledged"] == .null)
    }

    @Test func withoutDetectionNothingIsMeasuredFromIt() throws {
        var t = TranscriptFixture()
        t.at("04:00")
        t.mark("mitigated")
        let m = try t.model().metrics
        for name in ["time_to_detect", "time_to_acknowledge", "time_to_escalate", "time_to_mitigate", "time_to_resolve", "impact_duration"] {
            #expect(m.value(name) == nil, "\(name)")
        }
        #expect(m.measurements.first { $0.name == "time_to_mitigate" }?.missing == ["detected"])
        #expect(m.notes.contains { $0.hasPrefix("detected was never marked") })
    }

    @Test func retractedMilestoneIsMissingUntilMarkedAgain() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        t.at("04:00")
        let wrong = t.mark("mitigated", "Errors dropped")
        t.at("04:05")
        t.retract(wrong, "errors came back")
        var model = try t.model()
        #expect(model.metrics.value("time_to_mitigate") == nil)
        #expect(model.metrics.missing.contains("mitigated"))
        #expect(!model.timeline.contains { $0.text.contains("Errors dropped") })

        t.at("04:20")
        t.mark("mitigated", "Rollback held")
        model = try t.model()
        #expect(model.metrics.value("time_to_mitigate") == 2_100_000)
        #expect(model.timeline.filter { $0.kind == .milestone && $0.text.hasPrefix("Mitigated") }.map(\.text) == ["Mitigated: Rollback held"])
    }

    @Test func remarkingAMilestoneReplacesIt() throws {
        var t = TranscriptFixture()
        t.at("03:50")
        t.mark("detected", "first guess")
        t.at("03:55")
        t.mark("detected", at: "03:45", "from the alert history")
        t.at("04:15")
        t.mark("resolved")
        let model = try t.model()
        #expect(model.metrics.value("time_to_resolve") == 1_800_000)
        #expect(model.timeline.filter { $0.kind == .milestone && $0.text.hasPrefix("Detected") }.map(\.text) == ["Detected: from the alert history"])
    }

    @Test func amendedEntriesShowTheCorrectedText() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        let note = t.note("Error rate at 13%")
        let raised = t.hypothesis("H1", "DDos")
        t.at("03:50")
        let ruled = t.ruleOut("H1", "trafic normal")
        let mitigated = t.mark("mitigated", "rolback")
        t.at("03:55")
        t.amend(note, "Error rate at 31%")
        t.amend(raised, "DDoS attack")
        t.amend(ruled, "traffic at baseline")
        t.amend(mitigated, "Rollback")
        let model = try t.model()
        let texts = model.timeline.map(\.text)
        #expect(texts.contains("Error rate at 31%"))
        #expect(!texts.contains("Error rate at 13%"))
        #expect(texts.contains("H1 raised: DDoS attack"))
        #expect(texts.contains("H1 ruled out (DDoS attack): traffic at baseline"))
        #expect(texts.contains("Mitigated: Rollback"))
        #expect(model.timeline.first { $0.seq == note }?.amended == true)
        let path = try #require(model.misleadingPaths.first)
        #expect(model.misleadingPaths.count == 1)
        #expect(path.id == "H1")
        #expect(path.hypothesis == "DDoS attack")
        #expect(path.reason == "traffic at baseline")
        #expect(path.raisedAt == TranscriptFixture.time("03:45"))
        #expect(path.ruledOutAt == TranscriptFixture.time("03:50"))
        // Amending text moves no milestone.
        #expect(model.metrics.value("time_to_mitigate") == 300_000)
        #expect(PostmortemRenderer.render(model, format: .markdown).contains("Error rate at 31% (alice; amended; \\#\(note))"))
    }

    @Test func retractedAmendRestoresTheOriginalText() throws {
        var t = TranscriptFixture()
        let note = t.note("Original observation")
        let raised = t.hypothesis("H1", "Database overload")
        let ruled = t.ruleOut("H1", "db latency 8 ms")
        let action = t.action("A1", "Add a pool skew alert", owner: "sre", type: "prevent")
        for target in [note, raised, ruled, action] {
            let amend = t.amend(target, "Mistaken correction")
            t.retract(amend, "the correction was wrong")
        }
        let model = try t.model()
        #expect(model.timeline.contains { $0.text == "Original observation" && !$0.amended })
        #expect(model.timeline.contains { $0.text == "H1 raised: Database overload" })
        #expect(model.misleadingPaths.first?.hypothesis == "Database overload")
        #expect(model.misleadingPaths.first?.reason == "db latency 8 ms")
        #expect(model.measures.tasks.first?.text == "Add a pool skew alert")
        #expect(!PostmortemRenderer.render(model, format: .markdown).contains("Mistaken"))
    }

    @Test func retractedEntriesAreLeftOutEverywhere() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        let note = t.note("Users blame the CDN #went-wrong")
        let probe = t.probe("errors", ["error_rate": 0.9, "users_affected": 0.8])
        t.probe("errors", ["error_rate": 0.3, "users_affected": 0.3])
        t.hypothesis("H1", "CDN outage")
        let ruled = t.ruleOut("H1", "CDN is healthy")
        t.retract(note, "rumour")
        t.retract(probe, "probed the staging pool by mistake")
        t.retract(ruled, "ruled out too early")
        let model = try t.model()
        #expect(!model.timeline.contains { $0.text.contains("CDN") && $0.kind == .note })
        #expect(model.lessons.wentWrong.isEmpty)
        #expect(model.summary.usersAffected == 0.3)
        #expect(model.evidence.probes.first?.sampleCount == 1)
        #expect(model.evidence.probes.first?.ranges.first { $0.name == "error_rate" }?.max == 0.3)
        #expect(model.misleadingPaths.isEmpty)
        #expect(!model.timeline.contains { $0.text.contains("ruled out") })
    }

    @Test func milestonesOutOfOrderAreWarnedAbout() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        t.mark("acknowledged", at: "03:40")
        let model = try t.model()
        #expect(model.metrics.value("time_to_acknowledge") == -300_000)
        #expect(model.warnings.contains { $0.hasPrefix("Acknowledged (2023-11-05T03:40:00Z) is marked before detected (2023-11-05T03:45:00Z); check the milestones") })
        #expect(model.metrics.problems == [.outOfOrder(earlier: "detected", earlierAt: TranscriptFixture.time("03:45"), later: "acknowledged",
                                                       laterAt: TranscriptFixture.time("03:40"))])
    }
}
