import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Two responders acting at once: each command is decided against what its typist saw, and
/// the record takes each command exactly once.
@Suite struct IntentTests {
    /// The seed drill past the misconfiguration (v2 by the maintenance), with dana and omar
    /// both having looked at the configuration.
    static func roomAfterTheChange(_ folder: TemporaryFolder) throws -> (store: InMemoryTranscriptStore, dana: Session, omar: Session) {
        let (store, dana, omar) = try SharedRoomTests.room(folder)
        #expect(dana.handle("advance 20m").error == nil)
        #expect(dana.handle("lb history").error == nil)
        #expect(omar.handle("lb history").error == nil)
        #expect(dana.console?.current.number == 2)
        return (store, dana, omar)
    }

    @Test func aSecondRollbackOfTheSameChangeIsRefusedNamingTheFirst() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (store, dana, omar) = try Self.roomAfterTheChange(folder)
        #expect(dana.handle("lb rollback").error == nil)
        let refused = omar.handle("lb rollback")
        let message = try #require(refused.error)
        #expect(message.hasPrefix("dana rolled back to v1 at 03:50:00Z (v3) after you last looked; nothing changed."))
        #expect(message.contains("Your 'lb rollback' would now return to v2"))
        #expect(message.contains("type it again to act on v3"))
        // Nothing was applied: both simulations and the record agree on v3, the rollback.
        #expect(omar.console?.current.number == 3)
        #expect(dana.handle("probe distribution").output == omar.handle("probe distribution").output)
        let entries = try store.entries(after: 0)
        let changes = entries.filter { $0.kind == .lb && $0.data["changed"] == true }
        #expect(changes.compactMap { $0.data["version"]?.intValue } == [2, 3])
        // The refused line is on the record, with what it conflicted with.
        let error = try #require(entries.last { $0.kind == .error })
        #expect(error.by == "omar")
        #expect(error.input == "lb rollback")
        #expect(error.data["conflict"]?["moved_by"] == "dana")
        // Typed again, having seen the move, it does what it says: back from v3 to v2.
        let again = omar.handle("lb rollback")
        #expect(again.error == nil)
        #expect(omar.console?.current.number == 4)
        // The postmortem tells the refusal where it happened, in the body and the Appendix.
        let model = try Postmortem.compile(bytes: store.transcriptBytes(), path: "room", scenarioFolders: [SharedRoomTests.playbooks], drawChart: false)
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        let refusal = "Refused omar's 'lb rollback': dana's change (v3) had landed after omar last looked; nothing was changed"
        #expect(markdown.components(separatedBy: refusal).count == 3, "\(markdown)")
    }

    /// The others see a refused change above their prompt (as `watch` shows it), never a look
    /// or a mistyped line.
    @Test func aRefusedChangeReachesTheOthersAndALookDoesNot() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (_, dana, omar) = try Self.roomAfterTheChange(folder)
        #expect(dana.handle("lb rollback").error == nil)
        #expect(omar.handle("lb rollback").error != nil)
        #expect(omar.handle("status").error == nil)
        #expect(omar.handle("lb shwo").error != nil)
        let seen = dana.tick().map(\.text)
        #expect(seen == ["03:50Z omar: 'lb rollback' refused: the configuration had moved since they looked"], "\(seen)")
    }

    @Test func aDryRunChangesNothingAndSeveralServersChangeAsOneVersion() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (store, dana, _) = try Self.roomAfterTheChange(folder)
        let dry = dana.handle("lb rollback --dry-run")
        #expect(dry.error == nil)
        #expect(dry.output.hasPrefix("dry run of lb rollback: rollback to version 1"))
        #expect(dry.output.contains("nothing changed; it would make v3 from v2"))
        #expect(dry.output.contains("weight 25 → 100 on msg-01…msg-27 (27)"))
        #expect(dana.console?.current.number == 2)
        let weights = dana.handle("lb weight msg-01…msg-27 100 --dry-run")
        #expect(weights.output.contains("weight 25 → 100 on msg-01…msg-27 (27)"))
        #expect(dana.console?.current.number == 2)
        let applied = dana.handle("lb weight msg-01..msg-27 100")
        #expect(applied.error == nil)
        #expect(dana.console?.current.number == 3)
        let change = try #require(try store.entries(after: 0).last { $0.kind == .lb && $0.data["changed"] == true })
        #expect(change.data["version"] == 3)
        #expect(change.data["changes"]?.arrayValue?.count == 27)
        #expect(change.data["backends"]?.arrayValue?.count == 27)
        #expect(dana.handle("lb drain msg-30…msg-28").error?.contains("runs backwards") == true)
    }

    @Test func aNoteOrAProbeByAnotherNeverRefusesAChange() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (_, dana, omar) = try Self.roomAfterTheChange(folder)
        #expect(dana.handle("note looking at the weights").error == nil)
        #expect(dana.handle("probe errors").error == nil)
        #expect(omar.handle("lb rollback").error == nil)
        #expect(omar.console?.current.number == 3)
    }

    @Test func doneCompletesOnlyTheStepItsTypistSaw() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (store, dana, omar) = try SharedRoomTests.room(folder)
        #expect(omar.handle("status").error == nil)
        let seen = try #require(omar.state.step)
        #expect(dana.handle("done checked").error == nil)
        let next = try #require(dana.state.step)
        #expect(next != seen)
        let refused = omar.handle("done also checked")
        let message = try #require(refused.error)
        #expect(message.hasPrefix("dana completed \(seen) at 03:30:00Z while your prompt showed \(seen); nothing changed."))
        #expect(message.contains("The current step is now \(next)"))
        #expect(omar.state.step == next)
        let done = try store.entries(after: 0).filter { $0.kind == .step && $0.data["status"] == "done" }
        #expect(done.compactMap { $0.data["step"]?.stringValue } == [seen])
        // Now omar has seen the new step: a step command acts on it.
        #expect(omar.handle("skip covered by dana's check").error == nil)
        #expect(omar.state.step != next)
    }

    @Test func skipNamingAStepStillToDoStandsWhateverTheOthersDid() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (_, dana, omar) = try SharedRoomTests.room(folder)
        let first = try #require(omar.state.step)
        let progress = try #require(omar.progress)
        let later = try #require(progress.playbook.stepIDs.first { $0 != first && progress.status(of: $0) != .done })
        #expect(dana.handle("done").error == nil)
        #expect(omar.handle("skip \(later) covered ahead of time").error == nil)
        #expect(omar.progress?.status(of: later) == .skipped)
    }

    @Test func confirmingAHypothesisSomeoneJustRuledOutIsRefusedNamingThem() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (_, dana, omar) = try SharedRoomTests.room(folder)
        #expect(dana.handle("hyp DDoS").error == nil)
        #expect(omar.handle("status").error == nil)
        #expect(dana.handle("rule-out H1 traffic at baseline").error == nil)
        let message = try #require(omar.handle("confirm H1 it is a DDoS").error)
        #expect(message.hasPrefix("dana ruled out H1 at 03:30:00Z (traffic at baseline) while you saw it open; nothing changed."))
        #expect(omar.state.hypothesis("H1")?.status == .ruledOut)
    }

    @Test func aRoleHandedOverMeanwhileIsNotHandedOverAgain() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (_, dana, omar) = try SharedRoomTests.room(folder)
        #expect(dana.handle("role commander dana").error == nil)
        #expect(omar.handle("status").error == nil)
        #expect(dana.handle("role commander maya").error == nil)
        let message = try #require(omar.handle("role commander omar").error)
        #expect(message.hasPrefix("dana gave commander to maya at 03:30:00Z while you saw it held by dana; nothing changed."))
        #expect(omar.state.holder(of: "commander") == "maya")
    }

    @Test func aCommitWhoseAcknowledgementIsLostIsRecordedOnceAndSaidSo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (store, dana, omar) = try SharedRoomTests.room(folder)
        store.loseNextAcknowledgement = true
        let cut = dana.handle("note weights look wrong")
        let message = try #require(cut.error)
        #expect(message.hasPrefix("not known yet whether 'note weights look wrong' was recorded"))
        #expect(message.contains("do not type it again"))
        // omar records meanwhile; dana's next line reconnects and asks by the command's id.
        #expect(omar.handle("note me too").error == nil)
        let next = dana.handle("note next")
        #expect(next.error == nil)
        #expect(next.notices.contains { $0.text.hasPrefix("'note weights look wrong' was recorded after all (#") })
        let notes = try store.entries(after: 0).filter { $0.kind == .note }.map(\.text)
        #expect(notes == ["weights look wrong", "me too", "next"])
        #expect(dana.state.lastSeq == (try store.head().seq))
        #expect(SharedRoomTests.verify(store).isValid)
    }

    @Test func anAppendSentAgainWithItsCommandIDRecordsNothingMore() throws {
        let store = InMemoryTranscriptStore(shared: true)
        let open = TranscriptEntry(seq: 0, at: SessionTests.t0, wall: SessionTests.t0, by: "dana", kind: .open, text: "x")
        try store.append([open], after: .empty)
        let note = TranscriptEntry(seq: 0, at: SessionTests.t0, wall: SessionTests.t0, by: "dana", kind: .note, text: "once")
        let id = CommandID.random()
        let head = try store.head()
        let first = try store.append([note], after: head, command: id)
        let again = try store.append([note], after: head, command: id)
        #expect(again == first)
        #expect(try store.entries(after: 0).count == 2)
        #expect(try store.entries(command: id) == first)
    }
}
