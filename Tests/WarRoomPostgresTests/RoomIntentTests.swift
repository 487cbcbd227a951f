import Foundation
import Testing
@testable import WarRoomKit
import WarRoomPostgres
import WarRoomTestSupport

/// Two responders acting at once in a drill room on a real PostgreSQL: each command is
/// decided against what its typist saw, under the room's lock, and recorded once.
@Suite(.serialized) struct RoomIntentTests {
    static let playbooks = "\(repositoryRoot)/Playbooks"
    static let t0 = Instant(milliseconds: 1_699_155_000_000)

    /// A session moved across threads by a test that runs one command on each at once (each
    /// has its own connection; a session is used by one thread at a time).
    final class Shell: @unchecked Sendable {
        let session: Session

        init(_ session: Session) {
            self.session = session
        }
    }

    /// The seed drill opened in the store by dana, with omar joined, both at speed 0.
    static func drillRoom(_ database: PostgresTestDatabase) throws -> (id: String, dana: Session, omar: Session) {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
        options.playbookFolders = [playbooks]
        options.speed = 0
        options.provider = PostgresIncidentProvider(url: ConnectionString(database.url))
        let dana = try Session.start(options, source: .fixed(t0)).0
        let id = dana.state.id
        let omar = try Session.join(store: PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: id), responder: "omar",
                                    folders: [playbooks], source: .fixed(t0)).0
        return (id, dana, omar)
    }

    /// Runs one line in each shell at the same moment.
    static func atOnce(_ first: Session, _ firstLine: String, _ second: Session, _ secondLine: String) -> (Reply, Reply) {
        let shells = [Shell(first), Shell(second)]
        let lines = [firstLine, secondLine]
        let replies = Replies()
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for index in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                start.wait()
                replies.set(index, shells[index].session.handle(lines[index]))
                group.leave()
            }
        }
        start.signal()
        start.signal()
        group.wait()
        return (replies.get(0), replies.get(1))
    }

    final class Replies: @unchecked Sendable {
        private let lock = NSLock()
        private var replies: [Int: Reply] = [:]
        func set(_ index: Int, _ reply: Reply) { lock.withLock { replies[index] = reply } }
        func get(_ index: Int) -> Reply { lock.withLock { replies[index]! } }
    }

    static func entries(_ database: PostgresTestDatabase, _ id: String) throws -> [TranscriptEntry] {
        let store = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: id, readOnly: true)
        defer { store.close() }
        return try store.entries(after: 0)
    }

    @Test func twoRollbacksOfWhatBothSawMakeOneRollbackAndOneRefusal() throws {
        let database = try PostgresTestDatabase.initialized()
        let (id, dana, omar) = try Self.drillRoom(database)
        #expect(dana.handle("advance 20m").error == nil)
        var applied: [Int] = []
        for round in 0..<100 {
            // Both look at the configuration as it stands, then both roll back: at the same
            // moment in most rounds, one after the other (the second having seen only the
            // notice) in every tenth.
            #expect(dana.handle("lb history").error == nil)
            #expect(omar.handle("lb history").error == nil)
            let before = try #require(dana.console?.current.number)
            let (first, second): (Reply, Reply)
            if round % 10 == 9 {
                first = dana.handle("lb rollback")
                _ = omar.tick()
                second = omar.handle("lb rollback")
            } else {
                (first, second) = Self.atOnce(dana, "lb rollback", omar, "lb rollback")
            }
            let outcomes = [first, second]
            #expect(outcomes.filter { $0.error == nil }.count == 1, "round \(round): \(outcomes.map { $0.error ?? "ok" })")
            let refusal = try #require(outcomes.compactMap(\.error).first, "round \(round)")
            #expect(refusal.contains("after you last looked; nothing changed."), "round \(round): \(refusal)")
            #expect(refusal.hasPrefix(first.error == nil ? "dana rolled back" : "omar rolled back"), "round \(round): \(refusal)")
            #expect(dana.handle("status").error == nil)
            #expect(omar.handle("status").error == nil)
            #expect(dana.console?.current.number == before + 1)
            #expect(omar.console?.current.number == before + 1)
            applied.append(before + 1)
        }
        let versions = try Self.entries(database, id).filter { $0.kind == .lb && $0.data["changed"] == true }.compactMap { $0.data["version"]?.intValue }
        #expect(versions == Array(2...(versions.last ?? 0)), "one version number per change")
        #expect(versions.suffix(100) == applied[...])
        // Both simulations agree with each other after it all, and a fresh one re-running the
        // record agrees with every probe either shell printed.
        #expect(dana.handle("probe distribution").output == omar.handle("probe distribution").output)
        let replayed = try WarRoomBinary.run(["replay", id, "--store", database.url, "--playbooks", Self.playbooks])
        #expect(replayed.status == 0, "\(replayed.stdout.suffix(600)) \(replayed.stderr)")
    }

    @Test func twoDonesOfTheStepBothSawCompleteItOnce() throws {
        let database = try PostgresTestDatabase.initialized()
        let (id, dana, omar) = try Self.drillRoom(database)
        for round in 0..<100 {
            #expect(dana.handle("status").error == nil)
            #expect(omar.handle("status").error == nil)
            guard let step = dana.state.step, omar.state.step == step else { break }
            let (first, second) = Self.atOnce(dana, "skip round \(round) dana", omar, "skip round \(round) omar")
            #expect([first, second].filter { $0.error == nil }.count == 1, "round \(round): \([first.error, second.error])")
            let skipped = try Self.entries(database, id).filter { $0.kind == .step && $0.data["status"] == "skipped" && $0.data["step"]?.stringValue == step }
            #expect(skipped.count == 1, "round \(round): \(step) skipped \(skipped.count) times")
        }
    }

    @Test func confirmAndRuleOutOfOneHypothesisAtOnceDecideItOnce() throws {
        let database = try PostgresTestDatabase.initialized()
        let (id, dana, omar) = try Self.drillRoom(database)
        for round in 1...100 {
            #expect(dana.handle("hyp cause \(round)").error == nil)
            #expect(omar.handle("status").error == nil)
            let (first, second) = Self.atOnce(dana, "confirm H\(round) it is", omar, "rule-out H\(round) it is not")
            #expect([first, second].filter { $0.error == nil }.count == 1, "round \(round): \([first.error, second.error])")
            let decided = try Self.entries(database, id).filter { $0.kind == .hypothesis && $0.data["id"]?.stringValue == "H\(round)" && $0.data["status"] != "open" }
            #expect(decided.count == 1, "round \(round)")
        }
    }

    @Test func aCommitWhoseAnswerIsLostIsFoundByItsCommandIDAndRecordedOnce() throws {
        let database = try PostgresTestDatabase.initialized()
        let (id, dana, omar) = try Self.drillRoom(database)
        let store = try #require(dana.store as? PostgresTranscriptStore)
        for round in 0..<10 {
            // omar records between dana's commit and her shell's asking again, so the head
            // has moved on: only the command's id tells that her note is in.
            store.loseNextAcknowledgement = { #expect(omar.handle("note omar \(round)").error == nil) }
            let reply = dana.handle("note dana \(round)")
            #expect(reply.error == nil, "\(reply.error ?? "")")
            #expect(reply.output.hasPrefix("noted (#"))
        }
        let notes = try Self.entries(database, id).filter { $0.kind == .note }
        #expect(notes.map(\.text) == (0..<10).flatMap { ["dana \($0)", "omar \($0)"] })
        // Each kept the line as typed.
        #expect(notes.filter { $0.by == "dana" }.allSatisfy { $0.input == "note \($0.text)" })
        #expect(try store.verify().isValid)
    }

    @Test func aNulInANoteOrInAShellCommandsOutputIsRecordedAndReadBackByteForByte() throws {
        let database = try PostgresTestDatabase.initialized()
        let (id, dana, _) = try Self.drillRoom(database)
        dana.allowShell = true
        #expect(dana.handle("note before\u{0}after").error == nil)
        #expect(dana.handle("!printf 'out\\000put'").error == nil)
        let entries = try Self.entries(database, id)
        #expect(entries.last { $0.kind == .note }?.text == "before\u{0}after")
        #expect(entries.last { $0.kind == .shell }?.text == "out\u{0}put")
    }

    @Test func theLoginIsTheDatabasesWordBesideTheNameTypedUnder() throws {
        let database = try PostgresTestDatabase.initialized()
        let server = try PostgresServer.shared()
        let chloe = try server.createLoginRole(prefix: "chloe", password: "secret-chloe", group: PostgresSchema.writerRole)
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
        options.freeForm = true
        options.clockMode = .virtual
        options.speed = 0
        options.title = "Logins"
        options.provider = PostgresIncidentProvider(url: ConnectionString(database.url))
        let opener = try Session.start(options, source: .fixed(Self.t0)).0
        let store = try PostgresTranscriptStore.open(url: ConnectionString(database.url(user: chloe, password: "secret-chloe")), incident: opener.state.id)
        let (posing, _) = try Session.join(store: store, responder: "dana", source: .fixed(Self.t0))
        #expect(posing.handle("note from chloe's terminal").error == nil)
        let entries = try Self.entries(database, opener.state.id)
        let note = try #require(entries.last { $0.kind == .note })
        #expect(note.by == "dana")
        #expect(note.login == chloe)
        #expect(note.author == "\(chloe) as dana")
        #expect(posing.handle("timeline").output.contains("\(chloe) as dana"))
        // The postmortem's Appendix says who typed, in the shell and from the command line
        // (Markdown escapes the login's underscores).
        let shown = chloe.replacingOccurrences(of: "_", with: "\\_") + " as dana"
        #expect(posing.handle("postmortem").output.contains(shown))
        let compiled = try WarRoomBinary.run(["postmortem", opener.state.id, "--store", database.url])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        #expect(compiled.stdout.contains(shown))
        // Two shells as dana: the opener's (logged in as the superuser) and chloe's.
        #expect(posing.handle("who").output.contains("\(chloe), postgres as dana (you)"))
        // No writer can set or change the login: rows are append-only, and only the append
        // function (as its owner) inserts them.
        let writer = try PostgresConnection(url: ConnectionString(database.url(user: chloe, password: "secret-chloe")))
        defer { writer.close() }
        #expect(throws: (any Error).self) { try writer.execute("UPDATE warroom.entries SET login = 'dana' WHERE seq = \(note.seq)") }
        #expect(throws: (any Error).self) {
            try writer.execute("INSERT INTO warroom.entries (incident, seq, at, wall, by, kind, previous_hash, hash, line, login) SELECT incident, seq + 1000, at, wall, by, kind, previous_hash, hash, line, 'dana' FROM warroom.entries LIMIT 1")
        }
    }
}
