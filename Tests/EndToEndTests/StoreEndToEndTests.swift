import Foundation
import Testing
import WarRoomKit
import WarRoomPostgres
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The read-side commands against a real PostgreSQL store, through the built binary:
/// `store init`, `watch`, `export`, and `list`, `timeline`, `verify`, `postmortem`, `replay`
/// with `--store`.
@Suite struct StoreEndToEndTests {
    static let example = "\(repositoryRoot)/Transcripts/examples/lb-misconfig-2023-11-05.jsonl"

    static func warroom(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try WarRoomBinary.run(arguments, directory: repositoryRoot, environment: environment)
    }

    /// Copies a transcript into the store entry by entry, as writers would have recorded it.
    static func importTranscript(_ path: String, into database: PostgresTestDatabase) throws -> String {
        let log = try TranscriptLog.read(path: path)
        let (store, _) = try PostgresTranscriptStore.create(url: ConnectionString(database.url), opening: log.entries[0])
        defer { store.close() }
        var head = try store.head()
        for entry in log.entries.dropFirst() {
            let written = try store.append([entry], after: head)
            head = TranscriptHead(seq: written[0].seq, hash: written[0].hash)
        }
        return store.incident
    }

    /// The `#seq` of each line `watch` printed.
    static func printedSeqs(_ output: String) -> [Int] {
        output.split(separator: "\n").compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { $0.hasPrefix("#") ? Int($0.dropFirst()) : nil }
        }
    }

    @Test func storeInitCreatesTheSchemaOnceAndOtherCommandsSayWhatIsMissing() throws {
        let database = try PostgresServer.shared().createDatabase()
        let missing = try Self.warroom(["list", "--store", database.url])
        #expect(missing.status == 74)
        #expect(missing.stderr.contains("has no warroom schema; create it with 'warroom store init URL'"), "\(missing.stderr)")

        let created = try Self.warroom(["store", "init", database.url])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("Created warroom's schema (version \(PostgresSchema.version))"), "\(created.stdout)")
        let again = try Self.warroom(["store", "init"], environment: ["WARROOM_STORE": database.url])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("up to date (version \(PostgresSchema.version)); nothing to do"), "\(again.stdout)")
        let empty = try Self.warroom(["list", "--store", database.url])
        #expect(empty.status == 0)
        #expect(empty.stdout.contains("No incidents in the store"))

        let superuser = try database.superuser()
        defer { superuser.close() }
        try superuser.execute("UPDATE warroom.schema_version SET version = 7")
        for arguments in [["store", "init", database.url], ["list", "--store", database.url], ["watch", "some-incident", "--store", database.url]] {
            let refused = try Self.warroom(arguments)
            #expect(refused.status == 74, "\(arguments)")
            #expect(refused.stderr.contains("is version 7, newer than this warroom understands (\(PostgresSchema.version)); use a newer warroom"), "\(refused.stderr)")
        }
    }

    @Test func aWatcherSeesEveryEntryOfEightWritersInOrderAndTheExportVerifies() throws {
        let database = try PostgresTestDatabase.initialized()
        let id = "2023-11-05-0330-eight-writers"
        try database.openIncident(id: id).close()
        let watcher = try WarRoomBinary.start(["watch", id, "--store", database.url])
        #expect(watcher.stdout.wait(seconds: 30) { $0.contains("#1 ") }, "\(watcher.stderr.text)")

        let url = database.url
        let failures = Failures()
        let group = DispatchGroup()
        for writer in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let store = try PostgresTranscriptStore.open(url: ConnectionString(url), incident: id)
                    defer { store.close() }
                    var head = try store.head()
                    var count = 0
                    while count < 250 {
                        do {
                            let written = try store.append([noteDraft("writer \(writer) entry \(count)", by: "w\(writer)")], after: head)
                            head = TranscriptHead(seq: written[0].seq, hash: written[0].hash)
                            count += 1
                        } catch TranscriptError.headMoved {
                            head = try store.head()
                        }
                    }
                } catch {
                    failures.add("writer \(writer): \(error)")
                }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        #expect(failures.items.isEmpty, "\(failures.items)")
        let store = try PostgresTranscriptStore.open(url: ConnectionString(url), incident: id)
        try store.append([TranscriptEntry(seq: 0, at: Instant(milliseconds: 1_699_156_000_000), wall: Instant(milliseconds: 1_699_156_000_000),
                                          by: "tester", kind: .close, text: "Closed")], after: store.head())
        store.close()

        let ended = watcher.wait(seconds: 60)
        #expect(ended.status == 0, "\(watcher.stderr.text)")
        #expect(Self.printedSeqs(watcher.stdout.text) == Array(1...2002))
        let lines = watcher.stdout.text.split(separator: "\n")
        for writer in 0..<8 {
            // Each writer's entries, once each, in the order it wrote them.
            let mine = lines.filter { $0.contains("writer \(writer) entry") }.map { $0.split(separator: " ").suffix(4).joined(separator: " ") }
            #expect(mine == (0..<250).map { "writer \(writer) entry \($0)" })
        }

        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let file = folder.file("export.jsonl")
        let export = try Self.warroom(["export", id, "--store", url, "--output", file])
        #expect(export.status == 0, "\(export.stderr)")
        let verify = try Self.warroom(["verify", file])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("OK, 2002 entries"), "\(verify.stdout)")
        let verifyStore = try Self.warroom(["verify", id, "--store", url])
        #expect(verifyStore.status == 0, "\(verifyStore.stderr)")
        #expect(verifyStore.stdout.contains("OK, 2002 entries"), "\(verifyStore.stdout)")
    }

    @Test func anExportIsByteForByteAndReadsLikeTheFile() throws {
        let database = try PostgresTestDatabase.initialized()
        let id = try Self.importTranscript(Self.example, into: database)
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let file = folder.file("\(id).jsonl")
        let export = try Self.warroom(["export", id, "--store", database.url, "--output", file])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(try TranscriptLog.readBytes(path: file) == TranscriptLog.readBytes(path: Self.example))
        var info = stat()
        stat(file, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        let toStdout = try Self.warroom(["export", id], environment: ["WARROOM_STORE": database.url])
        #expect(toStdout.stdout == (try String(contentsOfFile: Self.example, encoding: .utf8)))

        // The read-side commands give the same answers from the store as from the file.
        for command in [["timeline"], ["postmortem", "--check"]] {
            let fromFile = try Self.warroom(command + [Self.example])
            let fromStore = try Self.warroom(command + [id, "--store", database.url])
            #expect(fromStore.status == fromFile.status, "\(command): \(fromStore.stderr)")
            #expect(fromStore.stdout.replacingOccurrences(of: id, with: "ID") == fromFile.stdout.replacingOccurrences(of: Self.example, with: "ID"), "\(command)")
        }
        let markdownFile = try Self.warroom(["postmortem", Self.example])
        let markdownStore = try Self.warroom(["postmortem", id], environment: ["WARROOM_STORE": database.url])
        // The rows were copied in by the superuser, so the Appendix says who appended them
        // ("postgres as dana"); past that, only the transcript's name differs.
        #expect(markdownStore.stdout.contains("(postgres as dana; "), "\(markdownStore.stdout.suffix(3000))")
        let attributed = markdownStore.stdout.replacingOccurrences(of: "postgres as ", with: "")
        let differing = zip(markdownFile.stdout.split(separator: "\n"), attributed.split(separator: "\n")).filter { $0 != $1 }
        #expect(differing.count == 1, "only the transcript's name differs: \(differing)")
        #expect(markdownStore.stdout.contains("\(id) (store)"))
        let replay = try Self.warroom(["replay", id, "--store", database.url])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("replay identical"), "\(replay.stdout)")
        let list = try Self.warroom(["list"], environment: ["WARROOM_STORE": database.url])
        #expect(list.stdout.contains(id) && list.stdout.contains("closed"), "\(list.stdout)")
        // A file argument is still a file when only $WARROOM_STORE is set.
        let local = try Self.warroom(["verify", Self.example], environment: ["WARROOM_STORE": database.url])
        #expect(local.status == 0 && local.stdout.hasPrefix(Self.example), "\(local.stdout)\(local.stderr)")

        // --output never follows a symbolic link.
        let target = folder.file("elsewhere")
        let link = folder.file("link.jsonl")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let refused = try Self.warroom(["export", id, "--store", database.url, "--output", link])
        #expect(refused.status == 74)
        #expect(refused.stderr.contains("is a symbolic link"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func aReadOnlyRoleCanWatchExportAndCompileThePostmortem() throws {
        let database = try PostgresTestDatabase.initialized()
        let id = try Self.importTranscript(Self.example, into: database)
        let password = "Watch-0nly-pw"
        let role = try database.server.createLoginRole(prefix: "stakeholder", password: password, group: PostgresSchema.readerRole)
        let url = database.url(user: role, password: password)
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let began = Date()
        let watch = try Self.warroom(["watch", id, "--store", url])
        // What is already recorded is printed at once, not after the first 5 s wait for news.
        #expect(Date().timeIntervalSince(began) < 4.5)
        #expect(watch.status == 0, "\(watch.stderr)")
        #expect(Self.printedSeqs(watch.stdout).count == (try TranscriptLog.read(path: Self.example).entries.filter(TimelineView.showsToOthers).count))
        let export = try Self.warroom(["export", id, "--store", url, "--output", folder.file("e.jsonl")])
        #expect(export.status == 0, "\(export.stderr)")
        let postmortem = try Self.warroom(["postmortem", id, "--store", url, "--format", "html", "--output", folder.file("pm.html")])
        #expect(postmortem.status == 0, "\(postmortem.stderr)")
        let verify = try Self.warroom(["verify", id, "--store", url])
        #expect(verify.status == 0, "\(verify.stderr)")
        for result in [watch, export, postmortem, verify] {
            #expect(!(result.stdout + result.stderr).contains(password))
        }
        // A role outside both groups reads nothing.
        let outsider = try database.server.createLoginRole(prefix: "outsider", password: password, group: "pg_monitor")
        let denied = try Self.warroom(["timeline", id, "--store", database.url(user: outsider, password: password)])
        #expect(denied.status == 74)
        #expect(denied.stderr.contains("may not do this"), "\(denied.stderr)")
        #expect(!denied.stderr.contains(password))
    }

    @Test func verifyStoreCatchesARowAlteredBySomeoneWhoBypassedTheTrigger() throws {
        let database = try PostgresTestDatabase.initialized()
        let id = try Self.importTranscript(Self.example, into: database)
        #expect(try TranscriptLog.read(path: Self.example).entries[39].by == "sam")
        let clean = try Self.warroom(["verify", id, "--store", database.url])
        #expect(clean.status == 0, "\(clean.stderr)")
        let report = TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: Self.example))
        #expect(clean.stdout.contains("OK, \(report.goodEntries) entries, chain head \(report.finalHash)"), "\(clean.stdout)")

        let superuser = try database.superuser()
        defer { superuser.close() }
        try superuser.executeScript("""
            ALTER TABLE warroom.entries DISABLE TRIGGER entries_append_only;
            UPDATE warroom.entries SET line = replace(line, '"by":"sam"', '"by":"erin"') WHERE seq = 40;
            ALTER TABLE warroom.entries ENABLE TRIGGER entries_append_only;
            """)
        let tampered = try Self.warroom(["verify", id, "--store", database.url])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("FAILED at seq 40"), "\(tampered.stderr)")
        #expect(tampered.stderr.contains("39 entries before it are intact"), "\(tampered.stderr)")
        let strict = try Self.warroom(["postmortem", id, "--store", database.url, "--strict"])
        #expect(strict.status != 0)
        // join, watch and export verify first, and refuse the tampered record naming the seq.
        for arguments in [["join", id], ["watch", id], ["export", id]] {
            let refused = try Self.warroom(arguments + ["--store", database.url])
            #expect(refused.status == 65, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains("seq 40: fails verification"), "\(refused.stderr)")
            #expect(refused.stdout.isEmpty)
        }
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let anyway = try Self.warroom(["export", id, "--store", database.url, "--accept-broken-chain", "--output", folder.file("tampered.jsonl")])
        #expect(anyway.status == 65)
        #expect(anyway.stderr.contains("seq 40: fails verification"))
        #expect(try TranscriptLog.readBytes(path: folder.file("tampered.jsonl")).count > 0)
    }

    @Test func aWatcherReconnectsWhenTheDatabaseRestartsAndMissesNothing() throws {
        let server = try PostgresServer()
        defer { server.stop(removing: true) }
        let database = try PostgresTestDatabase.initialized(on: server)
        let id = "2023-11-05-0330-restart"
        let store = try database.openIncident(id: id)
        for index in 1...3 { try store.append([noteDraft("before the restart \(index)")], after: store.head()) }
        let watcher = try WarRoomBinary.start(["watch", id, "--store", database.url])
        #expect(watcher.stdout.wait(seconds: 30) { $0.contains("before the restart 3") }, "\(watcher.stderr.text)")

        try server.stopServer()
        #expect(watcher.stderr.wait(seconds: 30) { $0.contains("lost the store") }, "\(watcher.stderr.text)")
        try server.start()
        for index in 1...3 { try store.append([noteDraft("after the restart \(index)")], after: store.head()) }
        #expect(watcher.stdout.wait(seconds: 30) { $0.contains("after the restart 3") }, "\(watcher.stderr.text)")
        try store.append([TranscriptEntry(seq: 0, at: Instant(milliseconds: 1_699_156_000_000), wall: Instant(milliseconds: 1_699_156_000_000),
                                          by: "tester", kind: .close, text: "Closed")], after: store.head())
        store.close()
        let ended = watcher.wait(seconds: 30)
        #expect(ended.status == 0, "\(watcher.stderr.text)")
        #expect(Self.printedSeqs(watcher.stdout.text) == Array(1...8))
        #expect(watcher.stderr.text.contains("reconnected after"), "\(watcher.stderr.text)")
    }

    @Test(arguments: [
        // authentication refused
        ("postgresql://nobody:Hunter2-pw@/DB?host=SOCKET", "Hunter2-pw"),
        // a bad port after the password
        ("postgresql://nobody:Hunter2-pw@localhost:notaport/DB", "Hunter2-pw"),
        // a malformed percent-escape in the password itself
        ("postgresql://nobody:Hunter%zz-pw@/DB?host=SOCKET", "Hunter%zz-pw"),
        // key=value with a quoted password and a broken pair after it
        ("host=SOCKET dbname=DB user=nobody password='Hunter2 pw' brokenpair", "Hunter2 pw"),
        // a password in the query string, and no server at the socket
        ("postgresql:///DB?host=/nonexistent&user=nobody&password=Hunter2-pw", "Hunter2-pw"),
    ])
    func passwordsNeverAppearInErrors(template: String, password: String) throws {
        let database = try PostgresTestDatabase.initialized()
        let socket = database.server.socketFolder.replacingOccurrences(of: "/", with: "%2F")
        let url = template.replacingOccurrences(of: "SOCKET", with: template.hasPrefix("host=") ? database.server.socketFolder : socket)
            .replacingOccurrences(of: "DB", with: database.name)
        for arguments in [["verify", "some-incident", "--store", url], ["store", "init", url], ["watch", "x", "--store", url], ["list", "--store", url]] {
            let result = try Self.warroom(arguments)
            #expect(result.status == 74, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("warroom: error: "), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains(password), "\(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains(password.prefix(6)), "\(result.stderr)")
        }
    }
}

/// Errors collected from several threads.
final class Failures: @unchecked Sendable {
    // `@unchecked`: `list` is only touched under `lock`.
    private let lock = NSLock()
    private var list: [String] = []

    func add(_ item: String) { lock.withLock { list.append(item) } }
    var items: [String] { lock.withLock { list } }
}
