import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// `warroom postmortem` on transcripts that are not what they should be: it still compiles,
/// names the problems at the top and in `--check`, and finishes at once.
@Suite struct PostmortemCommandTests {
    static let example = "\(repositoryRoot)/Transcripts/examples/lb-misconfig-2023-11-05.jsonl"

    /// The worked example's entries, changed by `edit`, with a valid hash chain (as an edited
    /// file that was re-chained, or another program's transcript, would have).
    static func rechained(_ edit: (inout [TranscriptEntry]) -> Void, in folder: TemporaryFolder) throws -> String {
        var entries = try TranscriptLog.read(path: example).entries
        edit(&entries)
        var bytes: [UInt8] = []
        var previous = HashChain.genesis
        for (index, var entry) in entries.enumerated() {
            entry.seq = index + 1
            entry.hash = HashChain.hash(previous: previous, content: entry.contentBytes())
            previous = entry.hash
            bytes += entry.lineBytes() + [0x0A]
        }
        let path = folder.file("edited.jsonl")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func entriesRunningBackwardsAndMilestonesOutOfOrderAreNamedAndChecked() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.rechained({ entries in
            // An entry an hour early, and `mitigated` moved before the impact started.
            entries[100].at = entries[100].at - 3_600_000
            if let index = entries.firstIndex(where: { $0.kind == .milestone && $0.data["milestone"] == "mitigated" }) {
                entries[index].data["time"] = "2023-11-05T03:35:00.000Z"
            }
        }, in: folder)
        let check = try WarRoomBinary.run(["postmortem", path, "--check"], directory: repositoryRoot)
        #expect(check.status == 1)
        #expect(check.stdout.contains("entries run backwards in time: seq 101 is dated before the entry above it"), "\(check.stdout)")
        #expect(check.stdout.contains("mitigated (2023-11-05T03:35:00Z) is marked before impact-start (2023-11-05T03:40:00Z)"))
        let markdown = try WarRoomBinary.run(["postmortem", path], directory: repositoryRoot)
        #expect(markdown.status == 0)
        let top = markdown.stdout.prefix(2000)
        #expect(top.contains("> **Warning:** Entries run backwards in time: seq 101"))
        #expect(top.contains("> **Warning:** Mitigated (2023-11-05T03:35:00Z) is marked before impact-start"))
        #expect(markdown.stdout.contains("| Time to mitigate | −11 min (out of order; check the milestones) |"))
    }

    @Test func anOpenEntryDatedAfterTheOthersCompilesEveryFormatAtOnce() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.rechained({ $0[0].at = Instant.parseISO8601("2090-06-01T00:00:00Z")! }, in: folder)
        for format in ["markdown", "json", "html"] {
            let started = Date()
            let run = try WarRoomBinary.run(["postmortem", path, "--format", format, "--output", folder.file("pm.\(format)")], directory: repositoryRoot)
            #expect(run.status == 0, "\(format): \(run.stderr)")
            #expect(Date().timeIntervalSince(started) < 20, "\(format) took \(Date().timeIntervalSince(started)) s")
        }
        let html = try String(contentsOfFile: folder.file("pm.html"), encoding: .utf8)
        #expect(html.contains("The drill&#39;s simulation was not re-run: the drill spans"))
    }

    @Test func aTranscriptWithNoMilestonesStillCompiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.rechained({ entries in entries.removeAll { $0.kind == .milestone } }, in: folder)
        let markdown = try WarRoomBinary.run(["postmortem", path, "--no-appendix"], directory: repositoryRoot)
        #expect(markdown.status == 0)
        #expect(markdown.stdout.contains("> **Warning:** No milestones were marked"))
        #expect(markdown.stdout.contains("**Duration:** 8 h from the opening (neither impact-start nor detected was marked) to the close (resolved was never marked), 2023-11-05 03:30–11:30 UTC."))
        let check = try WarRoomBinary.run(["postmortem", path, "--check"], directory: repositoryRoot)
        #expect(check.status == 1)
        for milestone in Milestone.allCases {
            #expect(check.stdout.contains("milestone \(milestone.rawValue) was never marked"), "\(milestone)")
        }
    }
}
