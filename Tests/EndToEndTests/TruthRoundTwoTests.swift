import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// Small truths a careful reader caught, each through the binary as a user meets it.
@Suite struct TruthRoundTwoTests {
    @Test func anEditedActionItemIsNotNamedTwiceAndAnUpdateJustPostedIsNotZeroMillisecondsAgo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let run = try WarRoomBinary.run(["start", "--free-form", "--title", "Edits", "--clock", "virtual", "--speed", "0", "--transcripts", folder.path],
                                        input: "action fix it\naction A1 --owner maya\nupdate all good\nstatus\ntimeline\n")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("action  A1: owner none → maya\n"), "\(run.stdout)")
        #expect(!run.stdout.contains("A1: A1:"))
        #expect(run.stdout.contains("(just now)"), "\(run.stdout)")
        #expect(!run.stdout.contains("0ms ago"))
    }

    @Test func wordsWithoutCheckIsAUsageErrorNotIgnored() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        _ = try WarRoomBinary.run(["start", "--free-form", "--title", "Words", "--clock", "virtual", "--speed", "0", "--transcripts", folder.path], input: "note x\n")
        let transcript = try #require(folder.files.first { $0.hasSuffix(".jsonl") })
        let refused = try WarRoomBinary.run(["postmortem", transcript, "--words", "400-600"])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("--words bounds the body for --check: add --check"), "\(refused.stderr)")
    }

    @Test func resumingAFileThatIsNotATranscriptSaysSo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("notes.jsonl")
        try "{\"a\":1}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let refused = try WarRoomBinary.run(["resume", path])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("is not a warroom transcript: its first line is not warroom's 'open' entry"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("changed after it was written"))
    }
}
