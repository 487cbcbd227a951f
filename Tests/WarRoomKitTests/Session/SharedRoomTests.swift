import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Several shells of one incident over one shared store (in memory here; PostgreSQL in the
/// store's own tests): one chain, ids taken at commit, what warroom records by itself once,
/// one simulation for the room.
@Suite struct SharedRoomTests {
    static let playbooks = "\(repositoryRoot)/Playbooks"

    /// A drill opened by `dana` in a file, copied into a shared in-memory store, and two
    /// shells joined to it.
    static func room(_ folder: TemporaryFolder) throws -> (store: InMemoryTranscriptStore, first: Session, second: Session) {
        var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
        options.playbookFolders = [playbooks]
        options.speed = 0
        let opener = try Session.start(options, source: .fixed(SessionTests.t0)).0
        #expect(opener.handle("quit").error == nil)
        let store = InMemoryTranscriptStore(shared: true)
        let opened = try TranscriptLog.read(path: opener.path).entries.filter { $0.kind != .pause }
        try store.append(opened, after: .empty)
        let first = try Session.join(store: store, responder: "dana", folders: [playbooks], source: .fixed(SessionTests.t0)).0
        let second = try Session.join(store: store, responder: "omar", folders: [playbooks], source: .fixed(SessionTests.t0)).0
        return (store, first, second)
    }

    static func verify(_ store: InMemoryTranscriptStore) -> VerifyReport {
        TranscriptVerifier.verify(bytes: store.lines.flatMap { $0 })
    }

    @Test func oneChainHoweverTheShellsInterleave() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (store, dana, omar) = try Self.room(folder)
        for index in 1...20 {
            let shell = index % 3 == 0 ? omar : dana
            #expect(shell.handle("note note \(index)").error == nil)
        }
        let entries = try store.entries(after: 0)
        #expect(entries.map(\.seq) == Array(1...entries.count))
        #expect(Self.verify(store).isValid)
        #expect(entries.filter { $0.kind == .note }.map(\.text) == (1...20).map { "note \($0)" })
        #expect(entries.filter { $0.kind == .join }.map(\.by) == ["dana", "omar"])
    }

    @Test func idsAreTakenAtCommitAndADecisionIsMadeAgainOnTheNewHead() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (store, dana, omar) = try Self.room(folder)
        #expect(dana.handle("hyp DDoS").output == "H1: DDoS")
        // omar has not seen H1 yet; his hypothesis is decided again after it and becomes H2.
        #expect(omar.handle("hyp the database").output == "H2: the database")
        #expect(dana.handle("rule-out H1 traffic at baseline").error == nil)
        // omar's shell had H1 open: what he saw moved, so nothing is decided, and he is told who moved it.
        #expect(omar.handle("confirm H1 it is a DDoS").error == "dana ruled out H1 at 03:30:00Z (traffic at baseline) while you saw it open; nothing changed. Talk it over; to reopen the question, raise it again with 'hypothesis TEXT'")
        #expect(omar.state.hypothesis("H1")?.status == .ruledOut)
        let hypotheses = try store.entries(after: 0).filter { $0.kind == .hypothesis && $0.data["status"] == "open" }
        #expect(hypotheses.compactMap { $0.data["id"]?.stringValue } == ["H1", "H2"])
        #expect(Self.verify(store).isValid)
    }

    @Test func whatFallsDueIsRecordedOnceAndEveryShellProbesTheSameSimulation() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (store, dana, omar) = try Self.room(folder)
        // dana moves the room's clock past the maintenance event and the alert; omar's shell
        // follows the record.
        #expect(dana.handle("advance 20m").error == nil)
        #expect(omar.handle("status").error == nil)
        #expect(omar.clock.now == dana.clock.now)
        let entries = try store.entries(after: 0)
        #expect(entries.filter { $0.kind == .alert }.count == 1)
        #expect(entries.filter { $0.kind == .lb && $0.by == "maintenance-automation" }.count == 1)
        // omar rolls the load balancer back: dana's simulation makes the same change.
        #expect(omar.handle("lb rollback").error == nil)
        let danaProbe = dana.handle("probe distribution")
        let omarProbe = omar.handle("probe distribution")
        #expect(danaProbe.output == omarProbe.output)
        #expect(dana.console?.current.number == omar.console?.current.number)
        #expect(Self.verify(store).isValid)
        // Both shells catch up over the next ten minutes: the alert resolves once.
        #expect(dana.handle("advance 10m").error == nil)
        #expect(omar.handle("advance 1m").error == nil)
        #expect(dana.handle("status").error == nil)
        let resolved = try store.entries(after: 0).filter { $0.kind == .alert && $0.data["state"] == "resolved" }
        #expect(resolved.count == 1)
    }

    @Test func othersEntriesAreShownWithWhoRecordedThem() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (_, dana, omar) = try Self.room(folder)
        #expect(dana.handle("note msg-28 flaps").error == nil)
        let notices = omar.tick()
        #expect(notices.contains(Notice(.entry, "03:30Z dana: note msg-28 flaps")))
        #expect(omar.state.lastSeq == dana.state.lastSeq)
        // Nothing new: nothing to show.
        #expect(omar.tick().isEmpty)
    }
}

/// Real time a test moves by hand: a wall clock and a monotonic clock that advance together.
final class ManualTime: @unchecked Sendable {
    // `@unchecked`: `seconds` is only touched under `lock`.
    private let lock = NSLock()
    private var seconds = 0.0
    let start: Instant

    init(start: Instant) {
        self.start = start
    }

    func pass(_ delta: Double) {
        lock.withLock { seconds += delta }
    }

    /// A source whose wall clock reads `skew` milliseconds off (another machine's clock).
    func source(skew: Int64 = 0) -> TimeSource {
        TimeSource(wallNow: { [self] in start + skew + Int64(lock.withLock { seconds } * 1000) }, monotonicSeconds: { [self] in lock.withLock { seconds } })
    }
}

/// `start` into a shared in-memory store, as `start --store` opens a room in a database.
struct MemoryProvider: IncidentStoreProvider, @unchecked Sendable {
    // `@unchecked`: a test's store, used from the test's thread only.
    let store: InMemoryTranscriptStore

    func create(id: String, opening: (String) -> TranscriptEntry) throws -> (store: any TranscriptStore, entry: TranscriptEntry) {
        (store, try store.append([opening(id)], after: .empty)[0])
    }
}

/// A store that lets another writer in, or goes away, at the next append: the races and
/// outages of a real room, on demand.
final class MeddlingStore: RoomStore {
    let inner: InMemoryTranscriptStore
    /// Appended by "someone else" just before the next append of the session.
    var cutIn: [TranscriptEntry] = []
    /// The store goes away at the next append.
    var dropAtAppend = false
    /// The store refuses the next append, as a database's entry rules do.
    var refuseNextAppend: String?

    init(_ inner: InMemoryTranscriptStore) {
        self.inner = inner
    }

    var location: String { inner.location }
    var isShared: Bool { true }
    func head() throws -> TranscriptHead { try inner.head() }
    func entries(after seq: Int) throws -> [TranscriptEntry] { try inner.entries(after: seq) }
    func close() {}

    @discardableResult
    func append(_ drafts: [TranscriptEntry], after expected: TranscriptHead, command: CommandID?) throws -> [TranscriptEntry] {
        if !cutIn.isEmpty {
            try inner.append(cutIn, after: inner.head())
            cutIn = []
        }
        if dropAtAppend {
            dropAtAppend = false
            inner.reachable = false
        }
        if let reason = refuseNextAppend {
            refuseNextAppend = nil
            throw TranscriptError.writeFailed(path: location, reason: reason)
        }
        return try inner.append(drafts, after: expected, command: command)
    }

    func enterRoom() throws -> Int { try inner.enterRoom() }
    func leaveRoom(shell: Int) { inner.leaveRoom(shell: shell) }
    func present(among shells: [Int]) throws -> Set<Int> { try inner.present(among: shells) }
    func lockWrites() throws { try inner.lockWrites() }
    func unlockWrites() { inner.unlockWrites() }
    func mayWrite() throws -> Bool { try inner.mayWrite() }
    var wakeDescriptor: Int32 { -1 }
    var login: String? { nil }
    var secrets: [String] { [] }
    func otherLogins() throws -> [Int: String] { try inner.otherLogins() }
    func takeWakeups() throws -> Bool { try inner.takeWakeups() }
    func reconnect() throws { try inner.reconnect() }
    func transcriptBytes() throws -> [UInt8] { try inner.transcriptBytes() }
    func entries(command: CommandID) throws -> [TranscriptEntry] { try inner.entries(command: command) }
}

/// The room as a person meets it: who is here, leaving, the store going away and coming
/// back, the clock, a close in another shell.
@Suite struct RoomLifeTests {
    static let playbooks = SharedRoomTests.playbooks

    /// A free-form incident opened by `dana` in a shared in-memory store, at speed 0.
    static func freeForm(_ folder: TemporaryFolder, store: InMemoryTranscriptStore, time: ManualTime, speed: Double = 0) throws -> Session {
        var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
        options.freeForm = true
        options.clockMode = .virtual
        options.speed = speed
        options.title = "Messaging outage"
        options.provider = MemoryProvider(store: store)
        return try Session.start(options, source: time.source()).0
    }

    /// A folder, a shared in-memory store, a manual clock and dana's shell of a free-form
    /// incident opened in that store; the caller cleans the folder up.
    static func freeFormRoom(speed: Double = 0) throws -> (TemporaryFolder, InMemoryTranscriptStore, ManualTime, Session) {
        let folder = try TemporaryFolder()
        let store = InMemoryTranscriptStore(shared: true)
        let time = ManualTime(start: SessionTests.t0)
        do {
            return (folder, store, time, try freeForm(folder, store: store, time: time, speed: speed))
        } catch {
            folder.cleanUp()
            throw error
        }
    }

    @Test func whoListsTheShellsStillThereAndAShellThatWasKilledStopsCounting() throws {
        let (folder, store, time, dana) = try Self.freeFormRoom()
        defer { folder.cleanUp() }
        #expect(dana.shell == 1)
        #expect(dana.handle("role commander dana").error == nil)
        time.pass(120)
        let omar = try Session.join(store: store, responder: "omar", source: time.source()).0
        let omarAgain = try Session.join(store: store, responder: "omar", source: time.source()).0
        let sam = try Session.join(store: store, responder: "sam", source: time.source()).0
        time.pass(60)
        let who = dana.handle("who")
        #expect(who.error == nil)
        let lines = who.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "In the room now: 3 responders in 4 shells (as the store sees them connected)")
        #expect(lines.count == 6)
        #expect(lines[5] == "JOINED is on the incident clock; HERE FOR is real time.")
        #expect(lines[1].split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "ROLES", "SHELLS", "JOINED", "HERE", "FOR"])
        #expect(lines[2].split(separator: " ", omittingEmptySubsequences: true) == ["dana", "(you)", "commander", "1", "03:45Z", "3m"])
        #expect(lines[3].split(separator: " ", omittingEmptySubsequences: true) == ["omar", "-", "2", "03:45Z", "1m"])

        // sam's shell is killed: it never leaves, and the store stops seeing it.
        store.forget(shell: try #require(sam.shell))
        // One of omar's shells quits: a leave entry, and the incident stays open.
        let quit = omarAgain.handle("quit")
        #expect(quit.exit)
        #expect(quit.output == "Left the room; \(dana.state.id) stays open for the others. Come back with: warroom join \(dana.state.id)")
        let after = omar.handle("who").output
        #expect(after.hasPrefix("In the room now: 2 responders in 2 shells"), "\(after)")
        #expect(after.contains("Gone without leaving (their shells ended): sam"), "\(after)")
        let entries = try store.entries(after: 0)
        #expect(entries.filter { $0.kind == .join }.map(\.by) == ["dana", "omar", "omar", "sam"])
        #expect(entries.filter { $0.kind == .leave }.map(\.by) == ["omar"])
        #expect(!entries.contains { $0.kind == .pause })
        #expect(omar.state.status == .open)
        // The end of a piped script (or Ctrl-D) leaves too, once.
        #expect(omar.leave(reason: "end of input").warnings.isEmpty)
        #expect(omar.leave(reason: "end of input") == ([], []))
        #expect(try store.entries(after: 0).filter { $0.kind == .leave }.count == 2)
        #expect(SharedRoomTests.verify(store).isValid)
    }

    @Test func asChangesWhoTypesInOneShellOnly() throws {
        let (folder, store, time, dana) = try Self.freeFormRoom()
        defer { folder.cleanUp() }
        let second = try Session.join(store: store, responder: "dana", source: time.source()).0
        #expect(second.handle("as erin").error == nil)
        #expect(second.handle("note erin here").error == nil)
        #expect(try store.entries(after: 0).last?.by == "erin")
        let who = dana.handle("who").output
        #expect(who.hasPrefix("In the room now: 2 responders in 2 shells"), "\(who)")
        #expect(who.contains("erin"))
        #expect(dana.responder == "dana")
    }

    @Test func anUnreachableStoreRefusesCommandsKeepsNothingAndCatchesUpWhenBack() throws {
        let (folder, store, time, dana) = try Self.freeFormRoom()
        defer { folder.cleanUp() }
        let omar = try Session.join(store: store, responder: "omar", source: time.source()).0
        #expect(dana.handle("hyp DDoS").error == nil)
        let before = try store.entries(after: 0).count

        store.reachable = false
        let lost = omar.tick()
        #expect(lost == [Notice(.store, "lost the store (the test took it away): nothing is recorded until it is back; reconnecting")])
        #expect(omar.tick().isEmpty)
        let refused = omar.handle("hyp the database")
        #expect(refused.error == "not recorded: the store is unreachable; retry (the test took it away; reconnecting)")
        #expect(omar.handle("rule-out H1 traffic at baseline").error?.hasPrefix("not recorded: the store is unreachable; retry") == true)
        #expect(omar.state.hypotheses.count == 0 || omar.state.hypotheses.map(\.status) == [.open])
        #expect(omar.failures == 2)

        store.reachable = true
        // dana recorded while omar's shell was cut off.
        #expect(dana.handle("note the database looks fine").error == nil)
        // Two refused commands doubled the delay to 0.4 s: no try before that.
        time.pass(0.3)
        #expect(omar.tick().isEmpty)
        time.pass(0.2)
        let back = omar.tick()
        #expect(back.first?.kind == .store)
        #expect(back.first?.text.hasPrefix("reconnected to the store after 0.5 s; catching up after #") == true, "\(back)")
        #expect(back.contains(Notice(.entry, "03:45Z dana: note the database looks fine")))
        // Nothing of the refused commands was recorded, and the next one goes in.
        let entries = try store.entries(after: 0)
        #expect(entries.count == before + 1)
        #expect(omar.handle("hyp the database").output == "H2: the database")
        #expect(SharedRoomTests.verify(store).isValid)
    }

    @Test func aRecordTheStoreRefusesStillLeavesAnErrorEntry() throws {
        let (folder, inner, time, _) = try Self.freeFormRoom()
        defer { folder.cleanUp() }
        let meddling = MeddlingStore(inner)
        let omar = try Session.join(store: meddling, responder: "omar", source: time.source()).0
        meddling.refuseNextAppend = "entry 9: at, wall, by and kind must be strings"
        let reply = omar.handle("note refused by the database")
        #expect(reply.error?.contains("entry 9: at, wall, by and kind must be strings") == true, "\(reply.error ?? "")")
        let error = try #require(try inner.entries(after: 0).last)
        #expect(error.kind == .error)
        #expect(error.input == "note refused by the database")
        #expect(error.text.contains("entry 9: at, wall, by and kind must be strings"))
        #expect(omar.failures == 1)
    }

    @Test func aCommandThatActedBeforeTheStoreWentAwayIsRecordedOnceItIsBack() throws {
        let (folder, inner, time, _) = try Self.freeFormRoom()
        defer { folder.cleanUp() }
        let meddling = MeddlingStore(inner)
        let omar = try Session.join(store: meddling, responder: "omar", source: time.source()).0
        meddling.dropAtAppend = true
        let reply = omar.handle("advance 5m")
        #expect(reply.output == "03:45:00Z → 03:50:00Z")
        #expect(reply.error?.hasPrefix("'advance' was done, but is not recorded yet: the store is unreachable") == true, "\(reply.error ?? "")")
        #expect(omar.clock.now.clockMinutes == "03:50Z")
        inner.reachable = true
        #expect(!(try inner.entries(after: 0)).contains { (entry: TranscriptEntry) in entry.data["command"] == "advance" })
        time.pass(1)
        let notices = omar.tick()
        #expect(notices.contains { $0.text.hasPrefix("recorded what was done while the store was away: command at 03:45:00") }, "\(notices)")
        let advances = try inner.entries(after: 0).filter { $0.data["command"] == "advance" }
        #expect(advances.count == 1)
        #expect(advances.first?.by == "omar")
    }

    @Test func aCommandIsDecidedUnderTheWriteLockAndAgainWhenAnotherShellGotInFirst() throws {
        let (folder, inner, time, dana) = try Self.freeFormRoom()
        defer { folder.cleanUp() }
        #expect(dana.handle("hyp DDoS").output == "H1: DDoS")
        let meddling = MeddlingStore(inner)
        let omar = try Session.join(store: meddling, responder: "omar", source: time.source()).0
        // Between omar's deciding and his append, sam raises H2: omar's becomes H3.
        let sams = TranscriptEntry(seq: 0, at: SessionTests.t0, wall: SessionTests.t0, by: "sam", kind: .hypothesis, text: "the database",
                                   data: ["id": "H2", "status": "open"])
        meddling.cutIn = [sams]
        let reply = omar.handle("hyp the network")
        #expect(reply.output == "H3: the network")
        #expect(reply.notices.contains(Notice(.entry, "03:45Z sam: the database")))
        #expect(inner.writeLocks == 2, "dana's command and omar's, each once however often decided")
        let ids = try inner.entries(after: 0).filter { $0.kind == .hypothesis }.compactMap { $0.data["id"]?.stringValue }
        #expect(ids == ["H1", "H2", "H3"])
        #expect(SharedRoomTests.verify(inner).isValid)
    }

    @Test func atSpeedAboveZeroTheRoomsClockFollowsRealTimeFromItsAnchor() throws {
        let (folder, store, time, dana) = try Self.freeFormRoom(speed: 60)
        defer { folder.cleanUp() }
        time.pass(10)
        // omar joins ten real seconds later: ten incident minutes have passed for everyone.
        let omar = try Session.join(store: store, responder: "omar", source: time.source()).0
        #expect(dana.clock.now.clockSeconds == "03:55:00Z")
        #expect(omar.clock.now == dana.clock.now)
        // An advance anywhere moves everyone, and the clock runs on from there.
        #expect(dana.handle("advance 1h").error == nil)
        time.pass(1)
        _ = omar.tick()
        #expect(omar.clock.now.clockSeconds == "04:56:00Z")
        #expect(dana.clock.now == omar.clock.now)
    }

    @Test func aCloseInAnotherShellEndsThisOneAndNothingIsRecordedAfterIt() throws {
        let (folder, store, time, dana) = try Self.freeFormRoom()
        defer { folder.cleanUp() }
        let omar = try Session.join(store: store, responder: "omar", source: time.source()).0
        let closed = dana.handle("close resolved")
        #expect(closed.exit)
        #expect(closed.output.contains("Final head: #"), "\(closed.output)")
        let exported = try #require(transcripts(in: folder.path).first)
        #expect(try TranscriptLog.readBytes(path: exported) == (try store.transcriptBytes()))
        #expect(FileManager.default.fileExists(atPath: String(exported.dropLast(6)) + ".postmortem.md"))
        let late = omar.handle("note too late")
        #expect(late.exit)
        #expect(late.error == "dana closed the incident at 03:45:00Z; nothing more can be recorded (read it with 'warroom timeline' or 'warroom postmortem' and the incident's id)")
        #expect(omar.closedElsewhere?.by == "dana")
        #expect(try store.entries(after: 0).last?.kind == .close)
        // omar's shell writes its own export and postmortem, as dana's did.
        let omarFolder = try TemporaryFolder()
        defer { omarFolder.cleanUp() }
        omar.localFolder = omarFolder.path
        let notes = omar.takeCloseNotes()
        #expect(notes.first == "dana closed the incident at 03:45:00Z; leaving the room.")
        let omarExport = try #require(transcripts(in: omarFolder.path).first, "\(notes)")
        #expect(try TranscriptLog.readBytes(path: omarExport) == (try store.transcriptBytes()))
        #expect(notes.contains("Postmortem: \(String(omarExport.dropLast(6))).postmortem.md"))
        #expect(omar.takeCloseNotes().isEmpty)
        #expect(omar.leave(reason: "end of input") == ([], []))
    }

    @Test func aRoleThatMayOnlyReadIsToldToWatch() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let store = InMemoryTranscriptStore(shared: true)
        let dana = try Self.freeForm(folder, store: store, time: ManualTime(start: SessionTests.t0))
        store.readOnly = true
        #expect(throws: RoomError.readOnly(incident: dana.state.id)) {
            try Session.join(store: store, responder: "stakeholder", source: .fixed(SessionTests.t0))
        }
        #expect(RoomError.readOnly(incident: "x").description.contains("watch it with 'warroom watch x'"))
    }
}
