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
        // omar's shell had H1 open; the command is checked against the head, where it is decided.
        #expect(omar.handle("confirm H1 it is a DDoS").error == "H1 is already ruled-out at 03:30:00Z (traffic at baseline); to reopen the question, raise it again with 'hypothesis TEXT'")
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
