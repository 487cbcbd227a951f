import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// A long transcript's postmortem spills its columns (positions, places, probe readings) to a
/// temporary file and makes its long lists when they are read. What it says must not change.
@Suite struct SpilledPostmortemTests {
    static func compiled(_ fixture: TranscriptFixture) throws -> (held: PostmortemModel, spilled: PostmortemModel) {
        let path = try PutDownEntriesTests.written(fixture)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return (try Postmortem.compile(transcriptPath: path, puttingDownPast: .max),
                try Postmortem.compile(transcriptPath: path, puttingDownPast: 0, spillPageShift: 1))
    }

    /// Entries dated out of order (backdated milestones, a clock set back and forward) among
    /// many in order: the timeline is every bullet once, by when it took effect, ties by seq.
    @Test func theTimelineIsInOrderOfWhenEachBulletTookEffect() throws {
        var t = TranscriptFixture()
        var expected: [(at: Instant, seq: Int)] = [(t.now, 1)]
        let clocks = ["03:40", "03:41", "03:41", "03:39", "03:50", "03:45", "03:45", "03:55", "03:31", "04:10", "04:00", "04:10", "04:20"]
        for (index, clock) in clocks.enumerated() {
            t.at(clock)
            let seq = t.note("Note \(index)")
            expected.append((t.now, seq))
            if index % 4 == 2 {
                // Marked now, taking effect earlier.
                let milestone = ["detected", "acknowledged", "mitigated"][index / 4]
                let seq = t.mark(milestone, at: "03:3\(index % 10)")
                expected.append((TranscriptFixture.time("03:3\(index % 10)"), seq))
            }
        }
        let (held, spilled) = try Self.compiled(t)
        let order = expected.sorted { ($0.at, $0.seq) < ($1.at, $1.seq) }.map(\.seq)
        #expect(held.timeline.map(\.seq) == order)
        #expect(spilled.timeline.map(\.seq) == order)
        #expect(held == spilled)
    }

    /// Lessons, notes for the Root Cause and the Issue Summary, and configuration changes,
    /// made when read: amends, retractions and tags given with the note or in its text.
    @Test func theLongListsAreMadeAsTheyWereHeld() throws {
        var t = TranscriptFixture.originalIncident()
        t.at("11:40")
        t.note("Paging worked #went-well")
        t.note("Recorded tags", tags: ["went-wrong", "lucky"])
        let amended = t.note("Will be amended #went-well")
        t.add(.amend, text: "Amended away from lessons #trigger", data: ["target": .number(Double(amended))])
        let retracted = t.note("Retracted #impact")
        t.add(.retract, text: "wrong", data: ["target": .number(Double(retracted))])
        t.note("Twice #lucky #lucky and #impact")
        let (held, spilled) = try Self.compiled(t)
        // After the incident's own lessons.
        #expect(held.lessons.wentWell.map(\.text).suffix(2) == ["Rollback took effect in minutes", "Paging worked"])
        #expect(held.lessons.wentWrong.map(\.text).suffix(2) == ["Nobody checked the weights after the maintenance", "Recorded tags"])
        #expect(held.lessons.lucky.map(\.text).suffix(3) == ["Traffic was low at night", "Recorded tags", "Twice and"])
        #expect(held.resolution.triggerNotes.contains("Amended away from lessons"))
        #expect(held.summary.impactNotes.contains("Twice and") && !held.summary.impactNotes.contains("Retracted"))
        #expect(held.lessons == spilled.lessons)
        #expect(held.resolution.triggerNotes == spilled.resolution.triggerNotes && held.summary.impactNotes == spilled.summary.impactNotes)
        #expect(!held.resolution.configChanges.isEmpty)
        #expect(held.resolution.configChanges == spilled.resolution.configChanges && held.resolution.steps == spilled.resolution.steps)
        for format in PostmortemFormat.allCases {
            #expect(PostmortemRenderer.render(held, format: format) == PostmortemRenderer.render(spilled, format: format), "\(format)")
        }
    }

    /// The adherence table is folded as the steps are read, and folded again from the kept
    /// entries only when a correction touches a step or a reminder: either way, as corrected.
    @Test func theAdherenceTableIsAsCorrectedWhetherOrNotAStepWasCorrected() throws {
        var t = TranscriptFixture.originalIncident()
        t.at("11:40")
        let note = t.note("A note, later retracted")
        t.retract(note, "wrong incident")
        let untouched = try Self.compiled(t)
        let path = try PutDownEntriesTests.written(t)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Only a note was corrected: the table folded as read is the one given.
        var builder = PostmortemBuilder()
        _ = try TranscriptStream.read(path: path, verify: false, placedFold: { entry, place in builder.add(entry, place: place) })
        #expect(!builder.correctsAStepOrReminder(PostmortemBuilder.Corrections(builder: builder)))
        #expect(untouched.held.adherence == untouched.spilled.adherence)

        // A skipped step's words amended, and a step marked done then retracted.
        let skipped = t.step("verify-fix", "skipped", reason: nil, phase: "resolution")
        let done = t.step("close-out", "done", phase: "resolution")
        t.amend(skipped, "not needed, the rollback was verified by probes")
        t.retract(done, "marked by mistake")
        let corrected = try Self.compiled(t)
        for model in [corrected.held, corrected.spilled] {
            let verify = try #require(model.adherence.steps.first { $0.step == "verify-fix" })
            #expect(verify.status == .skipped && verify.reason == "not needed, the rollback was verified by probes")
            #expect(!model.adherence.steps.contains { $0.step == "close-out" })
        }
        #expect(corrected.held.adherence == corrected.spilled.adherence)
    }

    /// Clocks that run ahead once and then back for the rest, and a record written backwards
    /// (more runs than the order is worked out from): every bullet once, in order.
    @Test(arguments: [
        ["03:40", "09:00", "03:41", "03:42", "03:43", "03:44", "03:45"],
        ["04:00", "04:01", "04:02", "03:31", "03:32", "03:33", "03:34", "03:35"],
        (0..<40).map { String(format: "04:%02d", 59 - $0) },
    ])
    func theTimelineIsInOrderWhateverTheClocksDid(clocks: [String]) throws {
        var t = TranscriptFixture()
        var expected: [(at: Instant, seq: Int)] = [(t.now, 1)]
        for (index, clock) in clocks.enumerated() {
            t.at(clock)
            expected.append((t.now, t.note("Note \(index)")))
        }
        let (held, spilled) = try Self.compiled(t)
        let order = expected.sorted { ($0.at, $0.seq) < ($1.at, $1.seq) }.map(\.seq)
        #expect(held.timeline.map(\.seq) == order)
        #expect(spilled.timeline.map(\.seq) == order)
    }

    /// The table folded as the entries were read is the one folded again from the kept entries.
    @Test func theAdherenceFoldedAsReadIsTheOneFoldedAgain() throws {
        let path = "\(repositoryRoot)/Transcripts/examples/lb-misconfig-2023-11-05.jsonl"
        var builder = PostmortemBuilder()
        _ = try TranscriptStream.read(path: path, verify: false, placedFold: { entry, place in builder.add(entry, place: place) })
        let record = PostmortemBuilder.Corrections(builder: builder)
        var again = PostmortemBuilder.AdherenceFold()
        for entry in builder.kept(.step, .timer) where record.isLive(entry) { again.add(entry, text: record.text(entry)) }
        let judge: (JSONObject, Int) -> PostmortemModel.CheckResult? = { check, seq in
            PostmortemBuilder.checkResult(check, evidence: builder.cited(seq, record).first)
        }
        #expect(!builder.correctsAStepOrReminder(record))
        #expect(builder.makeAdherence(record) == again.finished(judging: judge))
        #expect(builder.makeAdherence(record).steps.count > 3)
        // Kept entries whose seqs do not rise are not searched: any correction folds again.
        builder.keptSeqsRise = false
        #expect(builder.correctsAStepOrReminder(record) == !(record.retracted.isEmpty && record.amended.isEmpty))
    }
}
