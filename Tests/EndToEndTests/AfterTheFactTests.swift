import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// Writing up an incident after the fact, through the binary: a published incident's timeline
/// (a 27-minute global outage: trigger 13:42, first page 13:45, an attack hypothesis ruled out
/// at 14:00, mitigation 14:07, recovery 14:09) typed in with `start --from` and `at`, or
/// imported from a CSV, compiles to a postmortem with the published figures and times.
@Suite struct AfterTheFactTests {
    static let published = #"""
        time,who,kind,text
        2019-07-02T13:42:00Z,sre,milestone,impact-start a WAF rule deploy pushed CPU to 100% on every edge machine
        2019-07-02T13:45:00Z,sre,milestone,detected first page: HTTP 502 errors
        2019-07-02T13:46:00Z,sre,hypothesis,an attack on our edge
        2019-07-02T13:52:00Z,sre,note,"CPU exhausted on every edge machine, ""all at once"""
        2019-07-02T14:00:00Z,sre,rule-out,H1 traffic patterns normal; no attack
        2019-07-02T14:07:00Z,sre,milestone,mitigated global kill of the WAF managed rules
        2019-07-02T14:09:00Z,sre,milestone,resolved traffic and CPU back to normal

        """#

    /// The published figures and every timeline bullet at its published time.
    static func expectPublished(_ postmortem: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for expected in [
            "**Duration:** users were affected for 25 min, 2019-07-02 13:42–14:07 UTC, from impact start to mitigation; the incident ran 27 min, to resolution at 14:09 UTC.",
            "Time to detect: 3 min, from 13:42 UTC.",
            "- **13:42 UTC** — Impact started",
            "- **13:45 UTC** — Detected",
            "- **13:46–14:00 UTC** — H1 an attack on our edge ruled out",
            "- **14:07 UTC** — Mitigated: global kill of the WAF managed rules",
            "- **14:09 UTC** — Resolved",
            "- **Incident:** 2019-07-02-1342-global-outage",
            "- **Recorded:** after the fact, on ",
        ] {
            #expect(postmortem.contains(expected), "missing: \(expected)\n\(postmortem.prefix(2000))", sourceLocation: sourceLocation)
        }
        // No time of the writing is mixed into the incident's timeline.
        let timeline = postmortem.components(separatedBy: "## Timeline").dropFirst().first?.components(separatedBy: "###").first ?? ""
        #expect(!timeline.contains("2026") && !timeline.contains(Instant(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)).date),
                "\(timeline)", sourceLocation: sourceLocation)
    }

    @Test func aPublishedTimelineTypedInWithFromAndAtHasThePublishedFigures() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let started = try WarRoomBinary.run(["start", "--from", "2019-07-02T13:42:00Z", "--title", "Global outage", "--as", "sre", "--transcripts", folder.path], input: """
            mark impact-start a WAF rule deploy pushed CPU to 100% on every edge machine
            at 13:45Z
            mark detected first page: HTTP 502 errors
            at 13:46Z
            hyp an attack on our edge
            at 14:00Z
            rule-out H1 traffic patterns normal; no attack
            note --at 13:52Z CPU exhausted on every edge machine
            at 14:07Z
            mark mitigated global kill of the WAF managed rules
            at 14:09Z
            mark resolved traffic and CPU back to normal
            close

            """)
        #expect(started.status == 0, "\(started.stderr)")
        #expect(started.stderr.isEmpty, "\(started.stderr)")
        let postmortem = try String(contentsOfFile: folder.file("2019-07-02-1342-global-outage.postmortem.md"), encoding: .utf8)
        Self.expectPublished(postmortem)
        #expect(!postmortem.contains("run backwards"), "a note written with --at is not a clock gone wrong")
        // Every entry carries its incident time; `wall` keeps when it was typed.
        let log = try TranscriptLog.read(path: folder.file("2019-07-02-1342-global-outage.jsonl"))
        #expect(log.entries.first { $0.kind == .note }?.at.iso8601 == "2019-07-02T13:52:00.000Z")
        #expect(log.entries.allSatisfy { $0.wall.date != "2019-07-02" })
    }

    @Test func theSameFromImportingACSV() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let csv = folder.file("outage.csv")
        try Self.published.write(toFile: csv, atomically: true, encoding: .utf8)
        let imported = try WarRoomBinary.run(["import", csv, "--title", "Global outage", "--transcripts", folder.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("Imported 7 rows into"))
        let transcript = folder.file("2019-07-02-1342-global-outage.jsonl")
        let compiled = try WarRoomBinary.run(["postmortem", transcript])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        Self.expectPublished(compiled.stdout)
        let note = try #require(try TranscriptLog.read(path: transcript).entries.first { $0.kind == .note })
        #expect(note.text == "CPU exhausted on every edge machine, \"all at once\"")
        #expect(note.at.iso8601 == "2019-07-02T13:52:00.000Z")
    }

    @Test(arguments: [
        ("time,who,kind,text\n2019-07-02T13:45:00Z,sre,note,a\n2019-07-02T13:42:00Z,sre,note,b\n", "timeline.csv:3:1: 2019-07-02T13:42:00Z is before the row above it (line 2, 2019-07-02T13:45:00Z): rows run in time order"),
        ("time,who,kind,text\n2019-07-02T13:45:00Z,sre,chat,a\n", "timeline.csv:2:26: unknown kind 'chat'"),
        ("time,who,kind,text\nyesterday,sre,note,a\n", "timeline.csv:2:1: 'yesterday' is not a time"),
        ("time,who,text\n2019-07-02T13:45:00Z,sre,a\n", "timeline.csv:1:1: the header row has no 'kind' column"),
        ("time,who,kind,text\n2019-07-02T13:45:00Z,sre,rule-out,H7 nothing\n", "timeline.csv:2:1: the row was refused: no hypothesis H7"),
        ("", "timeline.csv:1:1: no rows"),
    ])
    func aTimelineThatDoesNotHoldIsRefusedWithItsLineAndNothingIsWritten(content: String, message: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let csv = folder.file("timeline.csv")
        try content.write(toFile: csv, atomically: true, encoding: .utf8)
        let refused = try WarRoomBinary.run(["import", "timeline.csv", "--transcripts", folder.path], directory: folder.path)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains(message), "\(refused.stderr)")
        #expect(folder.files.filter { $0.hasSuffix(".jsonl") }.isEmpty, "nothing half imported: \(folder.files)")
    }

    @Test func datesAcrossMidnightAndAcrossYearsAreShownAndTheClockOnlyMovesForward() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let started = try WarRoomBinary.run(["start", "--from", "2019-12-31T23:50:00Z", "--title", "New year", "--as", "sre", "--transcripts", folder.path], input: """
            mark impact-start
            at 23:58Z
            mark detected
            at 00:10Z
            mark mitigated
            note --at 2019-12-31T23:40:00Z before it began
            note --at 00:20Z in the future
            hyp a leap-second bug
            rule-out --at 23:55Z H1 too early
            at 2020-01-01T00:30:00Z
            mark resolved
            close

            """)
        #expect(started.status == 1, "the refused lines fail the script")
        let errors = started.stderr
        #expect(errors.contains("before the incident began (2019-12-31T23:50:00Z)"), "\(errors)")
        #expect(errors.contains("after the incident clock (2020-01-01T00:10:00Z)"), "\(errors)")
        #expect(errors.contains("is before H1 was raised (2020-01-01T00:10:00Z)"), "\(errors)")
        let postmortem = try String(contentsOfFile: folder.file("2019-12-31-2350-new-year.postmortem.md"), encoding: .utf8)
        #expect(postmortem.contains("the incident ran 40 min, to resolution at 2020-01-01 00:30 UTC"), "\(postmortem.prefix(1500))")
        #expect(postmortem.contains("- **2020-01-01 00:10 UTC** — Mitigated"), "\(postmortem.prefix(2500))")
        #expect(postmortem.contains("- **23:58 UTC** — Detected"))
    }
}
