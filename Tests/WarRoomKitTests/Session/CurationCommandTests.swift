import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// `highlight SEQ [REASON]` and `omit SEQ REASON`: responders curate the postmortem's timeline
/// with entries, so the postmortem stays a pure function of the transcript.
@Suite struct CurationCommandTests {
    @Test func highlightAndOmitAreEntriesTheBodyFollows() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        for line in ["mark detected", "note the dashboards lag by a minute", "update Investigating elevated errors",
                     "update Still investigating", "advance 5m", "mark mitigated"] {
            #expect(session.handle(line).error == nil, "\(line)")
        }
        let note = try #require(try TranscriptLog.read(path: session.path).entries.first { $0.kind == .note }).seq
        let update = note + 1
        // Each says what it did, then echoes the entry it touched.
        let highlighted = session.handle("highlight \(note) the lag hid the first minute").output
        #expect(highlighted == "#\(note) will be in the postmortem's timeline (#\(session.state.lastSeq))\n  #\(note) 03:45:00Z alice note: the dashboards lag by a minute")
        let omitted = session.handle("omit #\(update) the final update says it better").output
        #expect(omitted.hasPrefix("#\(update) will be left out of the postmortem's timeline (#\(session.state.lastSeq))\n  #\(update) "), "\(omitted)")
        let entries = try TranscriptLog.read(path: session.path).entries
        let highlight = try #require(entries.first { $0.kind == .highlight })
        #expect(highlight.data == ["target": .int(note), "reason": "the lag hid the first minute"])
        #expect(highlight.text == "Highlight #\(note) in the postmortem: the lag hid the first minute")
        let omit = try #require(entries.first { $0.kind == .omit })
        #expect(omit.data == ["target": .int(update), "reason": "the final update says it better"])
        // A highlight without a reason.
        #expect(session.handle("highlight 1").error == nil)
        #expect(try TranscriptLog.read(path: session.path).entries.last?.data == ["target": 1])

        let model = try Postmortem.compile(transcriptPath: session.path)
        #expect(model.curated.events.contains { $0.seq == note && $0.highlighted && $0.text.hasPrefix("the dashboards lag by a minute (the lag hid the first minute)") })
        #expect(!model.curated.events.contains { $0.seq == update })
        #expect(model.curated.omitted.map(\.seq) == [update])
    }

    @Test func mistakesAreRefusedInOneLine() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        #expect(session.handle("highlight").error?.contains("missing SEQ") == true)
        #expect(session.handle("highlight twelve").error?.contains("'twelve' is not an entry number") == true)
        let last = session.state.lastSeq
        #expect(session.handle("highlight 999").error == "no entry #999; entries run from #1 to #\(last) (see 'timeline')")
        #expect(session.handle("omit 1").error?.contains("missing REASON") == true)
        #expect(session.handle("omit 99999999999999999999 why").error?.contains("is not an entry number") == true)
        // Nothing was recorded but the refusals.
        #expect(try TranscriptLog.read(path: session.path).entries.allSatisfy { $0.kind != .highlight && $0.kind != .omit })
    }

    @Test func helpShowsAnExampleAndCompletionOffersEntryNumbers() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        _ = session.handle("note one")
        _ = session.handle("note two")
        let table = session.commands
        #expect(Set(table.completions(for: "highlight ", session: session)) == ["2", "3"])
        #expect(Set(table.completions(for: "omit ", session: session)) == ["2", "3"])
        #expect(table.completions(for: "omi", session: session) == ["omit"])
        let help = session.handle("help highlight").output
        #expect(help.contains("highlight SEQ [REASON]"))
        #expect(help.contains("Example: highlight 42"))
        #expect(session.handle("help omit").output.contains("Example: omit 57"))
    }
}
