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
        #expect(PostmortemCheck.check(try t.model()) == [.noImpactPercentage])
        #expect(PostmortemCheck.findings(try t.model()) == [
            "no impact percentage: state the share of users affected (e.g. 'impact About 30% of users could not send messages') or run a probe that reports users_affected",
        ])
    }

    @Test func impactPercentageFromAProbeIsEnough() throws {
        var t = Self.complete()
        let impact = try #require(t.entries.first { $0.kind == .statement && $0.data["statement"] == "impact" })
        t.retract(impact.seq, "unsure")
        t.probe("errors", ["error_rate": 0.01, "users_affected": 0.28])
        #expect(PostmortemCheck.check(try t.model()) == [])
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

    @Test func summaryLengthOnlyWhenARangeIsAsked() throws {
        let model = try Self.complete().model()
        let words = model.summaryWordCount
        #expect(words > 50 && words < 150)
        #expect(PostmortemCheck.check(model) == [])
        #expect(PostmortemCheck.check(model, wordRange: 400...600) == [.summaryLength(words: words, range: 400...600)])
        #expect(PostmortemCheck.findings(model, wordRange: 400...600) == [
            "summary is \(words) words, too short for 400–600: say more about impact, root cause and resolution",
        ])
        #expect(PostmortemCheck.check(model, wordRange: 10...20).first?.description.contains("too long for 10–20: tighten it") == true)
        #expect(PostmortemCheck.check(model, wordRange: (words - 1)...(words + 1)) == [])
    }

    @Test func summaryWordCountFollowsTheSummary() throws {
        var t = Self.complete()
        let before = try t.model().summaryWordCount
        t.statement("impact", "About 30% of users could not send or receive messages for almost eight hours overnight")
        let after = try t.model().summaryWordCount
        #expect(after == before + 5, "\(before) → \(after)")
    }
}
