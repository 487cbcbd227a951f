import Foundation
import Testing
import WarRoomKit
import WarRoomPostgres
import WarRoomTestSupport

/// What every transcript store promises (`TranscriptStore`), checked the same way on the three:
/// a JSONL file, memory, and PostgreSQL. A session relies on exactly this and nothing more.
@Suite struct StoreContractTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case file, memory, postgres
        var testDescription: String { rawValue }
    }

    /// A store of `kind` holding an incident's `open` entry, and what cleans it up.
    static func store(_ kind: Kind) throws -> (store: any TranscriptStore, cleanUp: () -> Void) {
        let opening = TranscriptEntry(seq: 0, at: Instant(milliseconds: 1_699_155_000_000), wall: Instant(milliseconds: 1_699_155_000_000), by: "tester",
                                      kind: .open, text: "Incident opened: contract", data: ["incident": "2023-11-05-0330-contract", "title": "contract"])
        switch kind {
        case .file:
            let folder = try TemporaryFolder()
            let (store, _) = try TranscriptFolder(path: folder.path).create(id: "2023-11-05-0330-contract") { _ in opening }
            return (store, { store.close(); folder.cleanUp() })
        case .memory:
            let store = InMemoryTranscriptStore(shared: true)
            try store.append([opening], after: .empty)
            return (store, {})
        case .postgres:
            let database = try PostgresTestDatabase.initialized()
            let (store, _) = try PostgresTranscriptStore.create(url: ConnectionString(database.url), opening: opening)
            return (store, { store.close() })
        }
    }

    @Test(arguments: Kind.allCases)
    func appendsChainAfterTheHeadTheyNameAndReadBack(kind: Kind) throws {
        let (store, cleanUp) = try Self.store(kind)
        defer { cleanUp() }
        let head = try store.head()
        #expect(head.seq == 1)
        let written = try store.append([noteDraft("one"), noteDraft("two")], after: head, command: .random())
        #expect(written.map(\.seq) == [2, 3])
        #expect(try store.head() == TranscriptHead(seq: 3, hash: written[1].hash))
        #expect(try store.entries(after: 1) == written)
        #expect(try store.entries(after: 2) == [written[1]])
        // The same chain a file makes: each hash continues the one before.
        let (first, _) = noteDraft("one").chained(seq: 2, after: head.hash)
        #expect(written[0].hash == first.hash)
    }

    @Test(arguments: Kind.allCases)
    func anAppendAfterAHeadThatMovedWritesNothing(kind: Kind) throws {
        let (store, cleanUp) = try Self.store(kind)
        defer { cleanUp() }
        let stale = try store.head()
        try store.append([noteDraft("first")], after: stale, command: .random())
        #expect(throws: TranscriptError.self) { try store.append([noteDraft("second")], after: stale, command: .random()) }
        #expect(try store.entries(after: 0).map(\.text).suffix(1) == ["first"])
        #expect(try store.head().seq == 2)
    }

    @Test(arguments: Kind.allCases)
    func aCommandSentAgainIsNotRecordedTwice(kind: Kind) throws {
        let (store, cleanUp) = try Self.store(kind)
        defer { cleanUp() }
        let head = try store.head()
        let id = CommandID.random()
        let first = try store.append([noteDraft("once")], after: head, command: id)
        // A database returns what it recorded then; a file, never in doubt, refuses the stale
        // head: either way nothing more is written.
        let again = try? store.append([noteDraft("once")], after: head, command: id)
        #expect(again == nil || again == first)
        #expect(try store.entries(after: 0).filter { $0.kind == .note }.map(\.text) == ["once"])
    }

    @Test(arguments: Kind.allCases)
    func anEmptyAppendOnlyChecksTheHead(kind: Kind) throws {
        let (store, cleanUp) = try Self.store(kind)
        defer { cleanUp() }
        let head = try store.head()
        #expect(try store.append([], after: head, command: nil).isEmpty)
        try store.append([noteDraft("moves it")], after: head, command: nil)
        #expect(throws: TranscriptError.self) { try store.append([], after: head, command: nil) }
        #expect(try store.head().seq == 2)
    }
}
