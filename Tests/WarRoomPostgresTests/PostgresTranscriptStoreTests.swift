import Foundation
import Testing
import WarRoomKit
@testable import WarRoomPostgres
import WarRoomTestSupport

/// The PostgreSQL store against a real PostgreSQL 15 (one server per test process, a fresh
/// database per test).
@Suite struct PostgresTranscriptStoreTests {
    @Test func appendsChainLikeAFileAndReadsBackByteForByte() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-chain")
        defer { store.close() }
        let file = InMemoryTranscriptStore()
        let opening = try store.entries(after: 0)
        try file.append(opening, after: .empty)
        let drafts = [noteDraft("first"), noteDraft("two entries of one command"), noteDraft("with \"quotes\", \\ and ünïcode ✓")]
        let head = try store.head()
        #expect(head.seq == 1)
        let written = try store.append(Array(drafts[0...1]), after: head)
        #expect(written.map(\.seq) == [2, 3])
        try store.append([drafts[2]], after: TranscriptHead(seq: 3, hash: written[1].hash))
        try file.append(drafts, after: file.head())

        let fileBytes = file.lines.flatMap { $0 }
        #expect(try store.transcriptBytes() == fileBytes)
        #expect(try store.entries(after: 2).map(\.seq) == [3, 4])
        #expect(try store.head() == file.head())
        #expect(try store.verify().isValid)
    }

    @Test func anAppendAfterAStaleHeadIsRefusedAndWritesNothing() throws {
        let database = try PostgresTestDatabase.initialized()
        let first = try database.openIncident(id: "2023-11-05-0330-race")
        let second = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: first.incident)
        defer { first.close(); second.close() }
        let seen = try second.head()
        try first.append([noteDraft("alice was first")], after: first.head())
        #expect(throws: TranscriptError.headMoved(path: second.location, expected: 1, found: 2)) {
            try second.append([noteDraft("bob decided on a stale head"), noteDraft("and this one")], after: seen)
        }
        #expect(try second.entries(after: 0).map(\.text).last == "alice was first")
        #expect(try second.head().seq == 2)
        // Deciding again on the head that moved succeeds.
        try second.append([noteDraft("bob again")], after: second.head())
        #expect(try second.verify().isValid)
    }

    @Test func verifyAgreesWithItselfWhileOthersAppend() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-busy")
        defer { store.close() }
        let url = database.url
        let done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            guard let writer = try? PostgresTranscriptStore.open(url: ConnectionString(url), incident: "2023-11-05-0330-busy") else { return }
            defer { writer.close() }
            for index in 0..<300 { _ = try? writer.append([noteDraft("busy \(index)")], after: writer.head()) }
        }.start()
        var checks = 0
        while done.wait(timeout: .now()) == .timedOut {
            let report = try store.verify()
            #expect(report.isValid, "\(report.problem.map(String.init(describing:)) ?? "")")
            checks += 1
        }
        #expect(checks > 0)
        #expect(try store.head().seq == 301)
        #expect(try store.verify().goodEntries == 301)
    }

    @Test func creatingAnIncidentTwiceIsRefused() throws {
        let database = try PostgresTestDatabase.initialized()
        try database.openIncident(id: "2023-11-05-0330-twice").close()
        #expect(throws: PostgresStoreError.self) { try database.openIncident(id: "2023-11-05-0330-twice") }
        do {
            _ = try database.openIncident(id: "2023-11-05-0330-twice")
        } catch let error as PostgresStoreError {
            guard case .incidentExists = error else { Issue.record("expected incidentExists, got \(error)"); return }
        }
        #expect(throws: PostgresStoreError.self) { try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: "no-such-incident") }
    }

    @Test func entriesCannotBeUpdatedOrDeletedEvenByTheirOwner() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-append-only")
        try store.append([noteDraft("keep me")], after: store.head())
        store.close()
        let owner = try database.superuser()
        defer { owner.close() }
        for statement in ["UPDATE warroom.entries SET line = replace(line, 'keep me', 'changed') WHERE seq = 2",
                          "DELETE FROM warroom.entries WHERE seq = 2",
                          "TRUNCATE warroom.entries CASCADE",
                          "DELETE FROM warroom.incidents",
                          "UPDATE warroom.incidents SET head_seq = 1"] {
            #expect(throws: PostgresStoreError.self, "\(statement)") { try owner.execute(statement) }
        }
        let left = try owner.execute("SELECT count(*) FROM warroom.entries")
        #expect(left.int(0, 0) == 2)
    }

    @Test func aRowEditedWithTheTriggerDisabledIsCaughtByVerify() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-tampered")
        defer { store.close() }
        for text in ["one", "two", "the database was fine", "four"] { try store.append([noteDraft(text)], after: store.head()) }
        let superuser = try database.superuser()
        defer { superuser.close() }
        /// Edits rows as their owner could, past the append-only trigger.
        func tamper(_ statements: String) throws {
            try superuser.executeScript("ALTER TABLE warroom.entries DISABLE TRIGGER entries_append_only;\n" + statements
                                        + "ALTER TABLE warroom.entries ENABLE TRIGGER entries_append_only;")
        }
        try tamper("""
            UPDATE warroom.entries SET line = replace(line, 'the database was fine', 'the network was fine') WHERE seq = 4;
            """)
        let report = try store.verify()
        #expect(report.problem?.seq == 4)
        #expect(report.problem?.reason.contains("hash mismatch") == true)
        #expect(report.goodEntries == 3)

        // A row whose hash column alone was changed (the line left alone) is caught too.
        try tamper("""
            UPDATE warroom.entries SET line = replace(line, 'the network was fine', 'the database was fine') WHERE seq = 4;
            UPDATE warroom.entries SET hash = repeat('a', 64) WHERE seq = 2;
            """)
        let second = try store.verify()
        #expect(second.problem?.seq == 2)
        #expect(second.problem?.reason.contains("hash column") == true)

        // A row whose by column says someone else than its line is caught too.
        try tamper("""
            UPDATE warroom.entries SET hash = (SELECT substr(right(line, 66), 1, 64) FROM warroom.entries WHERE seq = 2) WHERE seq = 2;
            UPDATE warroom.entries SET by = 'mallory' WHERE seq = 3;
            """)
        let third = try store.verify()
        #expect(third.problem?.seq == 3, "\(third)")
        #expect(third.problem?.reason.contains("at, by or kind column differs from its line") == true)

        // A time one millisecond off, and a previous_hash column changed, are caught too.
        try tamper("""
            UPDATE warroom.entries SET by = (SELECT by FROM warroom.entries WHERE seq = 2) WHERE seq = 3;
            UPDATE warroom.entries SET at = at + interval '1 millisecond' WHERE seq = 4;
            """)
        let fourth = try store.verify()
        #expect(fourth.problem?.seq == 4, "\(fourth)")
        #expect(fourth.problem?.reason.contains("at, by or kind column differs from its line") == true)
        // An infinite time is a time that differs, not a failed query.
        try tamper("""
            CREATE TEMP TABLE saved AS SELECT at FROM warroom.entries WHERE seq = 4;
            UPDATE warroom.entries SET at = 'infinity' WHERE seq = 4;
            """)
        let infinite = try store.verify()
        #expect(infinite.problem?.seq == 4, "\(infinite)")
        #expect(infinite.problem?.reason.contains("at, by or kind column differs from its line") == true)
        try tamper("""
            UPDATE warroom.entries SET at = (SELECT at FROM saved) WHERE seq = 4;
            """)
        try tamper("""
            UPDATE warroom.entries SET at = at - interval '1 millisecond' WHERE seq = 4;
            UPDATE warroom.entries SET previous_hash = repeat('b', 64) WHERE seq = 3;
            """)
        let fifth = try store.verify()
        #expect(fifth.problem?.seq == 3, "\(fifth)")
        #expect(fifth.problem?.reason.contains("previous_hash column") == true)
        try tamper("""
            UPDATE warroom.entries SET previous_hash = (SELECT hash FROM warroom.entries WHERE seq = 2) WHERE seq = 3;
            """)
        #expect(try store.verify().isValid)

        // Two lines in one row (the next row removed): the chain of lines holds, the rows do not.
        try tamper("""
            UPDATE warroom.entries SET line = line || E'\\n' || (SELECT line FROM warroom.entries WHERE seq = 3) WHERE seq = 2;
            DELETE FROM warroom.entries WHERE seq = 3;
            """)
        let sixth = try store.verify()
        #expect(sixth.problem?.seq == 2, "\(sixth)")
        #expect(sixth.problem?.reason.contains("raw newline") == true)
    }

    /// Checked a few rows at a time, an incident folds every entry once, in order, as read
    /// whole, and a row edited in a later slice is named by its seq.
    @Test func anIncidentCheckedInSlicesFoldsEveryEntryOnceAndFindsAnEditedRow() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-slices")
        defer { store.close() }
        for index in 0..<30 { try store.append([noteDraft("note \(index)")], after: store.head()) }
        let whole = try store.entries(after: 0)
        for slice in [1, 4, 7, 31, 8_192] {
            store.rowsPerSlice = slice
            var folded: [TranscriptEntry] = []
            try store.requireIntact("a test reads it") { folded.append($0) }
            #expect(folded == whole, "\(slice)")
            #expect(try store.verify().isValid)
            var fold = JoinFold()
            try store.requireIntact("a test joins it") { fold.add($0) }
            #expect(fold.lastSeq == 31 && fold.state.entryCount == 31 && fold.kept.isEmpty)
        }
        let superuser = try database.superuser()
        defer { superuser.close() }
        try superuser.executeScript("""
            ALTER TABLE warroom.entries DISABLE TRIGGER entries_append_only;
            UPDATE warroom.entries SET by = 'mallory' WHERE seq = 23;
            ALTER TABLE warroom.entries ENABLE TRIGGER entries_append_only;
            """)
        store.rowsPerSlice = 4
        let report = try store.verify()
        #expect(report.problem?.seq == 23 && report.goodEntries == 22)
        #expect(report.problem?.reason.contains("at, by or kind column differs from its line") == true)
        #expect(throws: PostgresStoreError.self) { try store.requireIntact("a test reads it") { _ in } }
    }

    @Test func aReadOnlyRoleIsRefusedOnAppend() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-read-only")
        store.close()
        let password = "s3cret-Reader-pw"
        let reader = try database.server.createLoginRole(prefix: "viewer", password: password, group: PostgresSchema.readerRole)
        let readOnly = try PostgresTranscriptStore.open(url: ConnectionString(database.url(user: reader, password: password)), incident: store.incident)
        defer { readOnly.close() }
        #expect(try readOnly.entries(after: 0).count == 1)
        do {
            try readOnly.append([noteDraft("not allowed")], after: readOnly.head())
            Issue.record("a read-only role appended")
        } catch let error as TranscriptError {
            let text = error.description
            #expect(text.contains("may read this incident but not write"), "\(text)")
            #expect(!text.contains(password))
        }
        #expect(try readOnly.head().seq == 1)

        let writer = try database.server.createLoginRole(prefix: "scribe", password: password, group: PostgresSchema.writerRole)
        let writing = try PostgresTranscriptStore.open(url: ConnectionString(database.url(user: writer, password: password)), incident: store.incident)
        defer { writing.close() }
        try writing.append([noteDraft("the writer role writes")], after: writing.head())
        #expect(try writing.verify().isValid)
    }

    @Test func aWriterAddsEntriesOnlyThroughTheCheckedAppend() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-checked")
        defer { store.close() }
        let head = try store.head()
        let password = "Wr1ter-pw"
        let writer = try database.server.createLoginRole(prefix: "scribe", password: password, group: PostgresSchema.writerRole)
        let connection = try PostgresConnection(url: ConnectionString(database.url(user: writer, password: password)))
        defer { connection.close() }
        // No direct writes to the tables …
        for statement in ["INSERT INTO warroom.entries (incident, seq, at, wall, by, kind, previous_hash, hash, line) SELECT incident, 2, at, wall, by, kind, hash, hash, line FROM warroom.entries",
                          "UPDATE warroom.incidents SET head_seq = 5"] {
            #expect(throws: PostgresStoreError.self, "\(statement)") { try connection.execute(statement) }
        }
        // … and the function refuses a line that does not continue the chain or skips a seq.
        let (good, line) = noteDraft("a proper entry").chained(seq: 2, after: head.hash)
        let tampered = String(decoding: line.dropLast(), as: UTF8.self).replacingOccurrences(of: "a proper entry", with: "a forged entry")
        let skipping = String(decoding: noteDraft("skips").chained(seq: 3, after: head.hash).line.dropLast(), as: UTF8.self)
        for bad in [tampered, skipping] {
            do {
                try connection.execute("SELECT * FROM warroom.append_entries($1, $2, $3, $4)",
                                       [store.incident, String(head.seq), head.hash, PostgresTranscriptStore.arrayLiteral([Array(bad.utf8)])])
                Issue.record("the store took a line that does not chain: \(bad)")
            } catch PostgresStoreError.statementFailed(_, let state, _) {
                #expect(state == "23514")
            }
        }
        #expect(try store.head() == head)
        let recorded = try connection.execute("SELECT recorded, head_seq FROM warroom.append_entries($1, $2, $3, $4)",
                                              [store.incident, String(head.seq), head.hash, PostgresTranscriptStore.arrayLiteral([Array(line.dropLast())])])
        #expect(recorded.string(0, 0) == "t" && recorded.int(0, 1) == 2)
        #expect(try store.entries(after: 1) == [good])
        let columns = try connection.execute("SELECT by, kind, at FROM warroom.entries WHERE seq = 2")
        #expect(columns.string(0, 0) == "tester" && columns.string(0, 1) == "note")
        #expect(try store.verify().isValid)
    }

    /// A line whose hash chains after `previous`, whatever its content says.
    static func forged(_ content: String, after previous: String) -> [UInt8] {
        let hash = HashChain.hash(previous: previous, content: Array(content.utf8))
        return Array((String(content.dropLast()) + ",\"hash\":\"\(hash)\"}").utf8)
    }

    @Test(arguments: [
        (#"{"seq":2,"at":"2023-11-05T03:31:00.000Z","wall":"2023-11-05T03:31:00.000Z","by":1,"kind":"note","text":"x"}"#, "at, wall, by and kind must be strings"),
        (#"{"seq":2,"at":"1960-11-05T03:31:00.000Z","wall":"2023-11-05T03:31:00.000Z","by":"eve","kind":"note","text":"x"}"#, "at and wall must be times as warroom writes them"),
        (#"{"seq":2,"at":"yesterday","wall":"2023-11-05T03:31:00.000Z","by":"eve","kind":"note","text":"x"}"#, "at and wall must be times as warroom writes them"),
        (#"{"seq":2,"at":"2023-11-05T03:31:00.000Z","wall":"2023-11-05T03:31:00.000Z","by":"eve","kind":"open","text":"x","data":{"incident":"2023-11-05-0330-forged"}}"#, "the first entry, and only the first, is the open entry"),
        (#"{"seq":2,"at":"2023-11-05T03:31:00.000Z","wall":"2023-11-05T03:31:00.000Z","by":"eve","kind":"","text":"x"}"#, "kind not empty"),
    ])
    func aForgedAppendThatWarroomCouldNotReadIsRefusedByTheDatabase(content: String, message: String) throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-forged")
        defer { store.close() }
        let head = try store.head()
        let writer = try database.server.createLoginRole(prefix: "forger", password: "Forger-pw", group: PostgresSchema.writerRole)
        let connection = try PostgresConnection(url: ConnectionString(database.url(user: writer, password: "Forger-pw")))
        defer { connection.close() }
        do {
            try connection.execute("SELECT * FROM warroom.append_entries($1, $2, $3, $4)",
                                   [store.incident, String(head.seq), head.hash, PostgresTranscriptStore.arrayLiteral([Self.forged(content, after: head.hash)])])
            Issue.record("the database took an entry warroom cannot read: \(content)")
        } catch PostgresStoreError.statementFailed(_, let state, let text) {
            #expect(state == "23514")
            #expect(text.contains(message), "\(text)")
        }
        #expect(try store.head() == head)
    }

    @Test func anOpenEntryNamingAnotherIncidentIsRefused() throws {
        let database = try PostgresTestDatabase.initialized()
        let opening = TranscriptEntry(seq: 0, at: Instant(milliseconds: 1_699_155_000_000), wall: Instant(milliseconds: 1_699_155_000_000), by: "eve", kind: .open,
                                      text: "x", data: ["incident": "someone-elses", "title": "x"])
        let line = String(decoding: opening.chained(seq: 1, after: HashChain.genesis).line.dropLast(), as: UTF8.self)
        let connection = try PostgresConnection(url: ConnectionString(database.url))
        defer { connection.close() }
        #expect(throws: PostgresStoreError.self) { try connection.execute("SELECT warroom.open_incident($1, $2, $3)", ["mine", "x", line]) }
    }

    @Test func aNoteWithANulIsKeptByteForByteAsAFileKeepsIt() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-nul")
        defer { store.close() }
        let written = try store.append([noteDraft("before\u{0}after")], after: store.head())
        let read = try store.entries(after: 1)
        #expect(read == written)
        #expect(read.first?.text == "before\u{0}after")
        // The line keeps JSON's escape for the NUL, as a file's does.
        #expect(String(decoding: try store.transcriptBytes(), as: UTF8.self).contains(#"before\u0000after"#))
        let file = try TemporaryFolder()
        defer { file.cleanUp() }
        let path = file.file("copy.jsonl")
        try Data(store.transcriptBytes()).write(to: URL(fileURLWithPath: path))
        #expect(try TranscriptLog.read(path: path).entries.last?.text == "before\u{0}after")
        #expect(try store.verify().isValid)
    }

    @Test func schemaVersionsAreCheckedAndUpgradedInOrder() throws {
        let database = try PostgresServer.shared().createDatabase()
        let url = ConnectionString(database.url)
        #expect(throws: PostgresStoreError.schemaMissing(target: try PostgresConnection(url: url).target)) {
            try PostgresTranscriptStore.open(url: url, incident: "x")
        }
        let first = try PostgresSchema.initialize(url: url)
        #expect(first.previous == nil)
        #expect(first.current == PostgresSchema.version)
        #expect(first.grantProblem == nil)
        let again = try PostgresSchema.initialize(url: url)
        #expect(again.previous == PostgresSchema.version)
        #expect(again.current == PostgresSchema.version)

        // An upgrade runs only the migrations after the recorded version.
        let connection = try PostgresConnection(url: url)
        defer { connection.close() }
        let upgraded = try PostgresSchema.migrate(connection, migrations: PostgresSchema.migrations + ["ALTER TABLE warroom.incidents ADD COLUMN upgraded boolean"])
        #expect(upgraded.previous == PostgresSchema.version)
        #expect(upgraded.current == PostgresSchema.version + 1)
        #expect(try connection.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'incidents' AND column_name = 'upgraded'").int(0, 0) == 1)
        // This warroom now refuses the newer schema, for reading and for init.
        let newer = PostgresSchema.version + 1
        #expect(throws: PostgresStoreError.schemaTooNew(target: connection.target, found: newer, supported: PostgresSchema.version)) {
            try PostgresSchema.check(connection)
        }
        #expect(throws: PostgresStoreError.schemaTooNew(target: connection.target, found: newer, supported: PostgresSchema.version)) {
            try PostgresSchema.initialize(url: url)
        }
        try connection.execute("UPDATE warroom.schema_version SET version = 0")
        #expect(throws: PostgresStoreError.schemaTooOld(target: connection.target, found: 0, supported: PostgresSchema.version)) {
            try PostgresSchema.check(connection)
        }
    }

    @Test func aDatabaseThatIsNotUTF8IsRefused() throws {
        let server = try PostgresServer.shared()
        let admin = try server.connection(database: "postgres")
        defer { admin.close() }
        let name = "latin1_\(getpid())"
        try admin.executeScript("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'LATIN1'")
        #expect(throws: PostgresStoreError.notUTF8(target: try PostgresConnection(url: ConnectionString(server.url(database: name))).target, encoding: "LATIN1")) {
            try PostgresSchema.initialize(url: ConnectionString(server.url(database: name)))
        }
    }

    @Test func anAppendOnAConnectionThatWasDroppedReconnectsAndRecordsOnce() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-reconnect")
        defer { store.close() }
        let head = try store.head()
        let superuser = try database.superuser()
        defer { superuser.close() }
        try superuser.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database.name])
        // The append finds its connection gone, reconnects, sees that nothing was written
        // (the head has not moved) and records the entry once.
        let written = try store.append([noteDraft("after reconnecting")], after: head)
        #expect(written.map(\.seq) == [2])
        #expect(try store.entries(after: 0).map(\.text) == ["Incident opened: Store test", "after reconnecting"])
        #expect(try store.verify().isValid)
    }
}
