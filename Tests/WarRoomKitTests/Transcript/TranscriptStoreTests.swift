import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

@Suite struct TranscriptStoreTests {
    static let t0 = Instant.parseISO8601("2023-11-05T03:30:00Z")!

    static func drafts() -> [TranscriptEntry] {
        [TranscriptEntry(seq: 0, at: t0, wall: t0, by: "alice", kind: .open, text: "open", data: ["incident": "x"])]
            + (1...3).map { TranscriptEntry(seq: 0, at: t0 + Int64($0 * 1000), wall: t0, by: "bob", kind: .note, text: "note \($0)") }
    }

    @Test func memoryAndFileStoresKeepTheSameBytes() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let file = try TranscriptWriter.create(path: folder.file("t.jsonl"))
        let memory = InMemoryTranscriptStore()
        for store in [file as any TranscriptStore, memory] {
            let opened = try store.append([Self.drafts()[0]], after: .empty)
            try store.append(Array(Self.drafts().dropFirst()), after: TranscriptHead(seq: 1, hash: opened[0].hash))
        }
        file.close()
        #expect(try TranscriptLog.readBytes(path: folder.file("t.jsonl")) == memory.lines.flatMap { $0 })
        #expect(try memory.entries(after: 2).map(\.seq) == [3, 4])
        #expect(try memory.head().seq == 4)
    }

    @Test func anAppendOnAStaleHeadIsRefusedAndWritesNothing() throws {
        let memory = InMemoryTranscriptStore()
        try memory.append([Self.drafts()[0]], after: .empty)
        #expect(throws: TranscriptError.self) { try memory.append([Self.drafts()[1]], after: .empty) }
        #expect(try memory.head().seq == 1)
        #expect(memory.lines.count == 1)
    }
}

@Suite struct UnknownKindTests {
    @Test func aKindANewerWarroomAddedIsReadKeptAndSkipped() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let t0 = TranscriptStoreTests.t0
        let writer = try TranscriptWriter.create(path: folder.file("t.jsonl"))
        try writer.append(TranscriptEntry(seq: 0, at: t0, wall: t0, by: "alice", kind: .open, text: "open", data: ["incident": "x", "title": "T"]))
        var future = TranscriptEntry(seq: 0, at: t0 + 1000, wall: t0, by: "alice", kind: .unknown, text: "a reaction", data: ["emoji": "eyes"])
        future.unknownKind = "reaction"
        try writer.append(future)
        try writer.append(TranscriptEntry(seq: 0, at: t0 + 2000, wall: t0, by: "alice", kind: .note, text: "after it"))
        writer.close()
        let bytes = try TranscriptLog.readBytes(path: folder.file("t.jsonl"))
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"kind\":\"reaction\""))
        let log = try TranscriptLog.read(path: folder.file("t.jsonl"))
        #expect(log.entries.map(\.kind) == [.open, .unknown, .note])
        #expect(log.entries[1].unknownKind == "reaction")
        #expect(TranscriptVerifier.verify(bytes: bytes).isValid)
        // Re-rendered, it is the same line: the chain holds wherever it is copied.
        #expect(log.entries[1].chained(seq: 2, after: log.entries[0].hash).entry.hash == log.entries[1].hash)
        let state = IncidentState(entries: log.entries)
        #expect(state.lastSeq == 3)
        #expect(state.responders == ["alice"])
    }
}
