import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// The streaming reader holds a chunk of the file at a time: whatever size the chunks are, and
/// wherever they cut the lines, it must find what reading the whole file finds — the same
/// entries, bad lines, torn last line and chain report.
@Suite struct TranscriptStreamTests {
    static let example: [UInt8] = (try? TranscriptLog.readBytes(path: repositoryRoot + "/Transcripts/examples/lb-misconfig-2023-11-05.jsonl")) ?? []

    /// Every variant a reader must agree on: as written, with a byte-order mark, a torn last
    /// line, a bad line in the middle, a changed entry, a line longer than a chunk, empty.
    static let variants: [(String, [UInt8])] = {
        let lines = example.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        var changed = lines
        changed[5] = Array(String(decoding: changed[5], as: UTF8.self).replacingOccurrences(of: "\"by\":\"", with: "\"by\":\"x").utf8)
        var bad = lines
        bad[7] = Array("{\"seq\":8,\"text\":\"\\q\"}".utf8)
        let long = Array(#"{"seq":1,"at":"2023-11-05T03:30:00.000Z","wall":"2023-11-05T03:30:00.000Z","by":"a","kind":"open","text":""#.utf8)
            + Array(repeating: UInt8(ascii: "w"), count: 5000) + Array(#"","hash":"0000000000000000000000000000000000000000000000000000000000000000"}"#.utf8) + [0x0A]
        func joined(_ lines: [[UInt8]]) -> [UInt8] { Array(lines.joined(separator: [0x0A])) }
        return [
            ("as written", example),
            ("with a byte-order mark", ByteOrderMark.bytes + example),
            ("torn", example + Array("{\"seq\":999,\"at\":".utf8)),
            ("torn after a mark", ByteOrderMark.bytes + Array("{\"seq\":1".utf8)),
            ("a changed entry", joined(changed)),
            ("a bad line", joined(bad)),
            ("a line longer than a chunk", long + long),
            ("empty", []),
            ("a mark alone", ByteOrderMark.bytes),
            ("newlines alone", [0x0A, 0x0A]),
        ]
    }()

    @Test(arguments: [5, 64, 377, 4096, TranscriptChunks.chunkSize])
    func everyChunkSizeReadsWhatTheWholeFileReads(chunkSize: Int) throws {
        #expect(Self.example.count > 10_000)
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        for (name, bytes) in Self.variants {
            let path = folder.file("t.jsonl")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            var entries: [TranscriptEntry] = []
            let read = try TranscriptStream.read(fd: fd, path: path, verify: true, lenient: true, chunkSize: chunkSize) { entries.append($0) }

            #expect(read.verification == TranscriptVerifier.verify(bytes: bytes), "\(name)")
            #expect(read.byteCount == bytes.count, "\(name)")
            let whole = try? TranscriptLog.decode(bytes: bytes, path: path, lenient: true)
            let lines = TranscriptLog.decodeLines(Array(bytes.dropFirst(ByteOrderMark.length(of: bytes))))
            #expect(entries == lines.entries, "\(name)")
            #expect(read.badLines.map(\.description) == lines.errors.filter { $0.reason != "no newline at its end" }.map(\.description), "\(name)")
            if let whole {
                #expect(entries == whole.entries, "\(name)")
                #expect(read.torn == whole.torn, "\(name)")
                #expect(read.firstKind == .open, "\(name)")
            }
            #expect((read.torn != nil) == (lines.errors.last?.reason == "no newline at its end"), "\(name)")
        }
    }

    /// Chunks large enough to be worked on two cores: the chain checked beside the decoding,
    /// or (with no chain to check) each half of a chunk decoded beside the other.
    @Test(arguments: [300_000, TranscriptChunks.chunkSize])
    func largeChunksWorkedSideBySideReadWhatTheWholeFileReads(chunkSize: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("large.jsonl")
        let writer = try TranscriptWriter.create(path: path)
        let at = Instant(milliseconds: 1_700_000_000_000)
        var drafts = [TranscriptEntry(seq: 0, at: at, wall: at, by: "alice", kind: .open, text: "Opened", data: ["incident": "large"])]
        for number in 1...6000 {
            drafts.append(TranscriptEntry(seq: 0, at: at, wall: at, by: number % 3 == 0 ? "bob" : "alice", kind: .note, input: "note \(number)",
                                          text: "observation \(number): \(String(repeating: "é", count: number % 97))"))
        }
        _ = try writer.append(contentsOf: drafts)
        writer.close()
        var bytes = try TranscriptLog.readBytes(path: path)
        #expect(bytes.count > chunkSize)
        // A bad line and a changed entry far into the file.
        let lines = bytes.split(separator: 0x0A).map(Array.init)
        var damaged = lines
        damaged[4321] = Array("{\"seq\":4322}".utf8)
        damaged[5000] = Array(String(decoding: damaged[5000], as: UTF8.self).replacingOccurrences(of: "observation", with: "0bservation").utf8)
        for variant in [bytes, Array(damaged.joined(separator: [0x0A])) + [0x0A]] {
            bytes = variant
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let whole = try TranscriptLog.decode(bytes: bytes, path: path, lenient: true)
            for verify in [true, false] {
                var entries: [TranscriptEntry] = []
                let read = try TranscriptStream.read(path: path, verify: verify, lenient: true, chunkSize: chunkSize) { entries.append($0) }
                #expect(entries == whole.entries)
                #expect(read.badLines.map(\.description) == whole.badLines.map(\.description))
                #expect(read.verification == (verify ? TranscriptVerifier.verify(bytes: bytes) : nil))
                // A reader's skipping may follow its fold: here notes' words are skipped until
                // the 3000th entry is folded and read from then on, wherever chunks are cut.
                var folded = 0
                var texts: [String] = []
                _ = try TranscriptStream.read(path: path, verify: verify, lenient: true, skipsText: { $0 == .note && folded < 3000 },
                                              chunkSize: chunkSize) { entry in
                    folded += 1
                    texts.append(entry.text)
                }
                let expected = whole.entries.enumerated().map { $0.offset < 3000 && $0.element.kind == .note ? "" : $0.element.text }
                #expect(texts == expected)
            }
        }
    }

    /// `resume` leaves the words of notes, commands and probes unmade while no step's commands
    /// are left undone; once some are, a line typed after all must still settle them.
    @Test func resumeReadsTheWordsOfLinesTypedAfterAStepLeftThemUndone() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        #expect(session.handle("note before").error == nil)
        #expect(session.handle("quit").error == nil)
        let (writer, log) = try TranscriptWriter.resume(path: session.path)
        let at = try #require(log.entries.last?.at)
        _ = try writer.append(contentsOf: [
            TranscriptEntry(seq: 0, at: at, wall: at, by: "alice", kind: .command, input: "run", text: "run left undone: note comms sent; probe errors",
                            data: ["command": "run", "step": "page", "left_undone": ["note comms sent", "probe errors", "probe db"]]),
            TranscriptEntry(seq: 0, at: at, wall: at, by: "alice", kind: .note, input: "note comms sent", text: "comms sent"),
            TranscriptEntry(seq: 0, at: at, wall: at, by: "alice", kind: .probe, input: "probe errors", text: "errors", data: ["probe": "errors"]),
            TranscriptEntry(seq: 0, at: at, wall: at, by: "alice", kind: .pause, text: "Paused", data: ["reason": "quit"]),
        ])
        writer.close()
        let whole = IncidentState(entries: try TranscriptLog.read(path: session.path).entries)
        #expect(whole.leftUndone == ["page": ["probe db"]])
        let (resumed, _) = try Session.resume(path: session.path, responder: "alice", source: .fixed(SessionTests.t0))
        #expect(resumed.state.leftUndone == whole.leftUndone)
        #expect(resumed.handle("quit").error == nil)
    }

    @Test func aStrictReadStopsDecodingAtTheFirstBadLineAndChecksTheChainToTheEnd() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (_, bytes) = try #require(Self.variants.first { $0.0 == "a bad line" })
        let path = folder.file("t.jsonl")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var count = 0
        let read = try TranscriptStream.read(path: path, verify: true) { _ in count += 1 }
        #expect(count == 7)
        #expect(read.badLines.map(\.line) == [8])
        #expect(read.verification?.problem?.line == 8)
        #expect(read.verification == TranscriptVerifier.verify(bytes: bytes))
    }

    @Test func aFoldThatThrowsStopsTheRead() throws {
        struct Stop: Error {}
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("t.jsonl")
        try Data(Self.example).write(to: URL(fileURLWithPath: path))
        var count = 0
        #expect(throws: Stop.self) {
            try TranscriptStream.read(path: path, verify: true, chunkSize: 64) { _ in
                count += 1
                if count == 3 { throw Stop() }
            }
        }
        #expect(count == 3)
    }

    @Test func aFileVerifiesChunkByChunkAsItsBytesDo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        for (name, bytes) in Self.variants {
            let path = folder.file("v.jsonl")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(try TranscriptVerifier.verify(path: path) == TranscriptVerifier.verify(bytes: bytes), "\(name)")
        }
    }
}
