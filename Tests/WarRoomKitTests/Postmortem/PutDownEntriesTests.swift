import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// A long transcript's postmortem puts its numerous kinds' entries down as it folds and reads
/// them again from the file as it writes: the postmortem must be the one it would be with every
/// entry held, in every format, whatever was amended or retracted.
@Suite struct PutDownEntriesTests {
    /// The postmortem of `path`, with entries held and with them put down: equal models and
    /// byte-equal documents in every format.
    static func expectSame(_ path: String, scenarioFolders: [String]? = nil) throws {
        let held = try Postmortem.compile(transcriptPath: path, scenarioFolders: scenarioFolders, puttingDownPast: .max)
        let putDown = try Postmortem.compile(transcriptPath: path, scenarioFolders: scenarioFolders, puttingDownPast: 0, spillPageShift: 1)
        #expect(!held.timeline.isEmpty)
        #expect(held.timeline.count == putDown.timeline.count)
        #expect(Array(held.timeline) == Array(putDown.timeline))
        #expect(held == putDown)
        for format in PostmortemFormat.allCases {
            #expect(PostmortemRenderer.render(held, format: format) == PostmortemRenderer.render(putDown, format: format), "\(format)")
        }
    }

    static func written(_ fixture: TranscriptFixture) throws -> String {
        let path = NSTemporaryDirectory() + "warroom-put-down-\(UUID().uuidString).jsonl"
        try Data(fixture.bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theWorkedExampleIsTheSameWithItsEntriesPutDown() throws {
        try Self.expectSame("\(repositoryRoot)/Transcripts/examples/lb-misconfig-2023-11-05.jsonl", scenarioFolders: ["\(repositoryRoot)/Playbooks"])
    }

    @Test func amendsAndRetractionsOfEntriesPutDownStillCorrectThem() throws {
        var t = TranscriptFixture.originalIncident()
        t.at("11:40")
        let kept = t.note("Rollback took effect in minutes", tags: ["went-well"])
        let wrong = t.note("Error rate at 13%")
        let update = t.add(.update, text: "Users on cluster B are recovering")
        let skipped = t.step("triage", "skipped", reason: "cause already known")
        let done = t.step("verify", "done", check: ["probe": "errors", "metric": "error_rate", "value": 0.01, "threshold": 0.02,
                                                   "comparison": "below", "passed": true])
        t.add(.shell, text: "output\nof the command", data: ["command": "uptime", "exit_code": 0])
        t.add(.shell, text: "no command recorded")
        t.add(.timer, text: "Status update due", data: ["timer": "update"])
        t.amend(wrong, "Error rate at 31%")
        t.retract(update, "posted in the wrong room")
        t.amend(skipped, "Skipped: the cause was known from the rollback")
        t.retract(done, "checked the wrong pool")
        t.add(.highlight, text: "what went well", data: ["target": .int(kept), "reason": "what went well"])
        let path = try Self.written(t)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.expectSame(path)
        let model = try Postmortem.compile(transcriptPath: path, puttingDownPast: 0)
        #expect(model.timeline.contains { $0.seq == wrong && $0.text == "Error rate at 31%" && $0.amended })
        #expect(!model.timeline.contains { $0.seq == update || $0.seq == done })
        #expect(model.timeline.contains { $0.kind == .shell && $0.text == "Ran shell command uptime (exit 0)" })
    }

    @Test func placesCountAByteOrderMarkAndCarriageReturns() throws {
        var t = TranscriptFixture.originalIncident()
        t.at("11:40")
        t.note("Rollback took effect in minutes", tags: ["went-well"])
        t.add(.update, text: "Users are recovering")
        // An editor's byte-order mark before the first line, and each line ended CR LF.
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        for entry in t.entries { bytes += entry.lineBytes() + [0x0D, 0x0A] }
        let path = NSTemporaryDirectory() + "warroom-put-down-\(UUID().uuidString).jsonl"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.expectSame(path)
        let model = try Postmortem.compile(transcriptPath: path, puttingDownPast: 0)
        #expect(model.timeline.contains { $0.kind == .update && $0.text == "Status update: Users are recovering" })
        #expect(!model.timeline.contains { $0.text.contains("changed while the postmortem was written") })
    }

    /// The transcript's bytes changed in place after its entries were put down, then the last
    /// kept entry read again.
    static func readAfterChanging(_ change: ([UInt8]) -> [UInt8]) throws -> (entry: TranscriptEntry, seq: Int, at: Instant) {
        var t = TranscriptFixture.originalIncident()
        t.at("11:40")
        let note = t.note("Rollback took effect in minutes")
        let path = try Self.written(t)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var builder = PostmortemBuilder()
        builder.putDown(readingFrom: try TranscriptLineReader(path: path), spillingTo: SpillFile())
        _ = try TranscriptStream.read(path: path, verify: false, placedFold: { entry, place in builder.add(entry, place: place) })
        let position = try #require(builder.notable.indices.last)
        #expect(builder.notable.isPutDown(position) && builder.notable.seq(position) == note)
        // Overwritten in place, the same length, as an editor might, before it is read again.
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        let changed = change(bytes)
        #expect(changed.count == bytes.count && changed != bytes)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: Data(changed))
        try handle.close()
        return (builder.notable[position], note, t.now)
    }

    @Test func aLineChangedUnderTheCompileIsSaidWhereItsEntryWouldBe() throws {
        // Bytes that are no entry.
        let garbled = try Self.readAfterChanging { [UInt8](repeating: UInt8(ascii: "x"), count: $0.count) }
        // An entry still, but another kind: a note made a step.
        let rekinded = try Self.readAfterChanging { bytes in
            var text = String(decoding: bytes, as: UTF8.self)
            let last = text.range(of: "\"kind\":\"note\"", options: .backwards)!
            text.replaceSubrange(last, with: "\"kind\":\"step\"")
            return Array(text.utf8)
        }
        for read in [garbled, rekinded] {
            #expect(read.entry.text.hasPrefix("(the transcript's line at byte ") && read.entry.text.hasSuffix(" changed while the postmortem was written)"))
            #expect(read.entry.kind == .note && read.entry.seq == read.seq && read.entry.at == read.at)
        }
    }

    @Test func theReaderReadsEntriesBackByTheirPlacesInAnyOrder() throws {
        var t = TranscriptFixture.originalIncident()
        t.note(String(repeating: "a long note ", count: 40_000))
        let path = try Self.written(t)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var placed: [(TranscriptEntry, TranscriptStream.LinePlace)] = []
        _ = try TranscriptStream.read(path: path, verify: false, chunkSize: 4096, placedFold: { placed.append(($0, $1)) })
        #expect(placed.count == t.entries.count)
        let reader = try TranscriptLineReader(path: path)
        // Backwards, so that every read is outside the window the last one filled; the last
        // line is longer than a window.
        for (entry, place) in placed.reversed() {
            #expect(reader.entry(at: place) == entry)
        }
        #expect(placed.last!.1.length > TranscriptLineReader.windowSize)
    }
}
