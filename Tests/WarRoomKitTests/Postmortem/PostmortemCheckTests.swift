import Testing
import WarRoomKit

/// `--check`: each finding on its own, and none on a complete postmortem.
@Suite struct PostmortemCheckTests {
    /// A complete incident: every milestone, an impact share, a root cause, owned actions.
    static func complete() -> TranscriptFixture {
        TranscriptFixture.originalIncident()
    }

    @Test func completePostmortemHasNoFindings() throws {
        #expect(PostmortemCheck.findings(try Self.complete().model()) == [])
    }

    @Test func missingImpactPercentage() throws {
        var t = Self.complete()
        let impact = try #require(t.entries.first { $0.kind == .statement && $0.data["statement"] == "impact" })
        t.amend(impact.seq, "Many users could not send messages")
        for probe in t.entries where probe.data["metrics"]?["users_affected"] != nil { t.retract(probe.seq, "wrong pool") }
        #expect(PostmortemCheck.check(try t.model()) == [.noImpactPercentage])
        #expect(PostmortemCheck.findings(try t.model()) == [
            "no impact percentage: state the share of users affected (e.g. 'impact About 30% of users could not send messages') or run a probe that reports users_affected",
        ])
    }

    @Test func impactPercentageFromAProbeIsEnough() throws {
        var t = Self.complete()
        let impact = try #require(t.entries.first { $0.kind == .statement && $0.data["statement"] == "impact" })
        t.retract(impact.seq, "unsure")
        let model = try t.model()
        #expect(model.summary.usersAffectedSource == .probes)
        #expect(PostmortemCheck.check(model) == [])
    }

    @Test func missingRootCause() throws {
        var t = Self.complete()
        for entry in t.entries where entry.kind == .statement && entry.data["statement"] == "root_cause"
            || entry.kind == .hypothesis && entry.data["status"] == "confirmed"
        {
            t.retract(entry.seq, "not established")
        }
        #expect(PostmortemCheck.check(try t.model()) == [.noRootCause])
        #expect(PostmortemCheck.findings(try t.model()).first?.hasPrefix("no root cause: record it with 'rootcause TEXT'") == true)
    }

    @Test func confirmedHypothesisCountsAsARootCause() throws {
        var t = Self.complete()
        let statement = try #require(t.entries.first { $0.kind == .statement && $0.data["statement"] == "root_cause" })
        t.retract(statement.seq, "too long")
        let model = try t.model()
        #expect(model.summary.rootCause == "Pool weights misconfigured by the maintenance")
        #expect(PostmortemCheck.check(model) == [])
    }

    @Test func noTimeline() throws {
        var bare = TranscriptFixture()
        bare.add(.close)
        #expect(PostmortemCheck.check(try bare.model()).contains(.noTimeline))
        #expect(PostmortemCheck.findings(try bare.model()).contains { $0.hasPrefix("no timeline: ") })
        bare.note("Customers report timeouts")
        #expect(!PostmortemCheck.check(try bare.model()).contains(.noTimeline))
    }

    @Test func actionWithoutOwner() throws {
        var t = Self.complete()
        t.action("A7", "Review <alert> thresholds", owner: nil, type: "process")
        #expect(PostmortemCheck.check(try t.model()) == [.actionWithoutOwner(id: "A7", text: "Review <alert> thresholds")])
        #expect(PostmortemCheck.findings(try t.model()) == [
            "action item A7 has no owner: Review <alert> thresholds (every task needs someone accountable; record it as 'action TEXT --owner NAME')",
        ])
    }

    @Test func missingMilestonesOneFindingEach() throws {
        var t = Self.complete()
        for entry in t.entries where entry.kind == .milestone && ["acknowledged", "escalated"].contains(entry.data["milestone"]?.stringValue) {
            t.retract(entry.seq, "marked by mistake")
        }
        #expect(PostmortemCheck.check(try t.model()) == [.missingMilestone("acknowledged"), .missingMilestone("escalated")])
        #expect(PostmortemCheck.findings(try t.model()).last == "milestone escalated was never marked: metrics that need it are not measured (mark it with 'mark escalated --at TIME')")
    }

    @Test func bodyLengthOnlyWhenARangeIsAsked() throws {
        let model = try Self.complete().model()
        let words = model.bodyWordCount
        #expect(words > 200 && words < 600, "\(words)")
        #expect(PostmortemCheck.check(model) == [])
        #expect(PostmortemCheck.check(model, wordRange: 600...900) == [.bodyLength(words: words, range: 600...900)])
        #expect(PostmortemCheck.findings(model, wordRange: 600...900) == [
            "body is \(words) words, too short for 600–900 (title block to Lessons Learned): say more about impact, root cause and resolution",
        ])
        #expect(PostmortemCheck.check(model, wordRange: 10...20).first?.description.contains("too long for 10–20 (title block to Lessons Learned): tighten it") == true)
        #expect(PostmortemCheck.check(model, wordRange: (words - 1)...(words + 1)) == [])
    }

    @Test func theBodyCountLeavesOutTheAppendixAndTheWarnings() throws {
        var t = Self.complete()
        let before = try t.model().bodyWordCount
        // A lesson shows in the body: two words more.
        t.note("Fast rollback #went-well")
        let withLesson = try t.model().bodyWordCount
        #expect(withLesson == before + 2, "\(before) → \(withLesson)")
        // A note that is not a lesson is only in the Appendix's full timeline.
        t.note("Checked the dashboards of the pool once more before the handover")
        #expect(try t.model().bodyWordCount == withLesson)
        // An open incident has a warning at the top; it is not part of the body.
        var open = Self.complete()
        open.entries.removeLast()
        let model = try open.model()
        #expect(!model.warnings.isEmpty)
        #expect(model.bodyWordCount == before)
    }

    @Test func milestoneProblemsAreFindings() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        t.mark("impact-start", at: "03:50")
        t.at("04:00")
        t.mark("mitigated", at: "03:45")
        let model = try t.model()
        let problems = PostmortemCheck.check(model).compactMap { finding -> PostmortemModel.MilestoneProblem? in
            if case .milestone(let problem) = finding { return problem }
            return nil
        }
        #expect(problems.contains(.outOfOrder(earlier: "impact-start", earlierAt: TranscriptFixture.time("03:50"), later: "detected", laterAt: TranscriptFixture.time("03:45"))))
        #expect(problems.contains(.outOfOrder(earlier: "impact-start", earlierAt: TranscriptFixture.time("03:50"), later: "mitigated", laterAt: TranscriptFixture.time("03:45"))))
        #expect(problems.contains(.zeroDuration(metric: "time to mitigate", from: "detected", to: "mitigated", at: TranscriptFixture.time("03:45"))))
        let lines = PostmortemCheck.findings(model)
        #expect(lines.contains("detected (2023-11-05T03:45:00Z) is marked before impact-start (2023-11-05T03:50:00Z); check the milestones ('retract' the wrong mark and mark it again with --at)"))
        #expect(lines.contains("time to mitigate is zero: detected and mitigated are both at 2023-11-05T03:45:00Z; check the milestones"))
        // Named at the top too, and never printed as a zero duration.
        #expect(model.warnings.contains { $0.hasPrefix("Detected (2023-11-05T03:45:00Z) is marked before impact-start") })
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        #expect(markdown.contains("| Time to mitigate | 0 s (check the milestones) |"))
        #expect(!markdown.contains("0ms"))
    }

    @Test func aResolutionInTheFutureIsAFinding() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        t.at("04:00")
        // The shell refuses a future --at; an edited or foreign transcript can still hold one.
        t.mark("resolved", at: "05:00")
        let findings = PostmortemCheck.check(try t.model())
        #expect(findings.contains(.milestone(.inTheFuture(milestone: "resolved", at: TranscriptFixture.time("05:00"), recordedAt: TranscriptFixture.time("04:00")))))
        #expect(PostmortemCheck.findings(try t.model()).contains { $0.hasPrefix("resolved takes effect at 2023-11-05T05:00:00Z, after it was recorded (2023-11-05T04:00:00Z)") })
    }
}
