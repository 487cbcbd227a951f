import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Commands decided without any store: a `Drafting` over a state gives the decision as values
/// (the drafts, with the `seq`s they would take), and the intent checks are decided over the
/// state as recorded, the typist's view and the others' entries.
@Suite struct DecidingTests {
    static let t0 = Instant.at("03:50")

    /// An incident opened by dana at 03:50, with what `lines` recorded after it (by whom, what).
    static func incident(_ lines: [(by: String, kind: EntryKind, text: String, data: JSONObject)] = []) -> IncidentState {
        var state = IncidentState()
        let open = TranscriptEntry(seq: 1, at: t0, wall: t0, by: "dana", kind: .open, text: "Incident opened", data: ["incident": "x", "title": "Errors"])
        state.apply(open)
        for (index, line) in lines.enumerated() {
            state.apply(TranscriptEntry(seq: index + 2, at: t0 + Int64(index + 1) * 1000, wall: t0, by: line.by, kind: line.kind, text: line.text, data: line.data))
        }
        return state
    }

    static func decide(_ line: String, over state: IncidentState, by responder: String = "omar", playbook: Playbook? = nil, at now: Instant? = nil) throws -> (output: String, drafts: [TranscriptEntry]) {
        let drafting = Drafting(state: state, now: now ?? state.lastAt + 60_000, responder: responder, playbook: playbook, input: line)
        let split = line.firstIndex(of: " ") ?? line.endIndex
        let spec = try #require(CommandTable.standard.lookup(String(line[..<split])))
        let decide = try #require(spec.decide, "'\(spec.name)' does not decide without a session")
        var arguments = Arguments(String(line[split...]))
        let output = try decide(drafting, &arguments)
        return (output, drafting.drafts)
    }

    @Test func aNoteIsOneDraftWithItsInputTagsAndTheNextSeq() throws {
        let (output, drafts) = try Self.decide("note weights on msg-01 look odd #went-wrong", over: Self.incident())
        #expect(output == "noted (#2)")
        let draft = try #require(drafts.first)
        #expect(drafts.count == 1)
        #expect(draft.seq == 2 && draft.kind == .note && draft.by == "omar")
        #expect(draft.text == "weights on msg-01 look odd #went-wrong")
        #expect(draft.input == "note weights on msg-01 look odd #went-wrong")
        #expect(draft.data["tags"] == .array(["went-wrong"]))
    }

    @Test func ruleOutDecidesAgainstTheHypothesisAsRecorded() throws {
        let raised = Self.incident([("dana", .hypothesis, "DDoS", ["id": "H1", "status": "open"])])
        let (output, drafts) = try Self.decide("rule-out H1 traffic at baseline", over: raised)
        #expect(output == "H1 ruled out: DDoS")
        #expect(drafts.map(\.kind) == [.hypothesis])
        #expect(drafts.first?.data["status"] == "ruled-out")
        #expect(drafts.first?.data["reason"] == "traffic at baseline")
        // Ruled out already: the opposite is refused, and nothing is drafted.
        let decided = Self.incident([("dana", .hypothesis, "DDoS", ["id": "H1", "status": "open"]),
                                     ("dana", .hypothesis, "baseline", ["id": "H1", "status": "ruled-out", "reason": "baseline"])])
        #expect(throws: CommandError.self) { try Self.decide("confirm H1", over: decided) }
        #expect(throws: CommandError.self) { try Self.decide("rule-out H9 nothing", over: raised) }
    }

    @Test func theFirstEscalationDraftsTheEscalationAndItsMilestone() throws {
        let (output, drafts) = try Self.decide("escalate reliability-team skew on three servers", over: Self.incident())
        #expect(drafts.map(\.kind) == [.escalation, .milestone])
        #expect(drafts.map(\.seq) == [2, 3])
        #expect(drafts[1].data["milestone"] == "escalated")
        #expect(output.hasSuffix("milestone 'escalated' set"))
        // The line's input goes with its first entry only.
        #expect(drafts.map(\.input) == ["escalate reliability-team skew on three servers", nil])
    }

    @Test func aMilestoneMarkedAlreadyIsRefusedAndABackdatedOneSaysSo() throws {
        let marked = Self.incident([("dana", .milestone, "detected", ["milestone": "detected", "time": .string(Self.t0.iso8601)])])
        #expect(throws: CommandError.self) { try Self.decide("mark detected", over: marked) }
        let (output, drafts) = try Self.decide("mark impact-start --at 03:45Z errors began", over: Self.incident(), at: .at("04:00"))
        #expect(output.contains("impact-start at 03:45:00Z (backdated)"))
        #expect(drafts.first?.data["time"] == .string(Instant.at("03:45").iso8601))
    }

    @Test func doneOnThePlaybookDraftsTheStepsMovesAndNothingIsRecorded() throws {
        let playbook = try BundledPlaybookWalkTests.bundled("lb-cascading-failure")
        let drill = try PlaybookDrill(playbook, openAt: Self.t0)
        #expect(drill.state.step == "take-command")
        let (output, drafts) = try Self.decide("done commander is dana", over: drill.state, by: "dana", playbook: playbook)
        #expect(!drafts.isEmpty)
        #expect(drafts.allSatisfy { $0.seq > drill.state.lastSeq })
        #expect(drafts.contains { $0.kind == .step && $0.data["step"] == "take-command" && $0.data["status"] == "done" })
        #expect(output.contains("confirm-errors"), "\(output)")
    }

    @Test func everyRecordingCommandDecidesWithoutASession() {
        let deciding = Set(CommandTable.standard.specs.filter { $0.decide != nil }.map(\.name))
        #expect(deciding.isSuperset(of: ["note", "hypothesis", "rule-out", "confirm", "action", "mark", "severity", "role", "escalate", "update",
                                         "rootcause", "trigger", "impact", "amend", "retract", "done", "next", "skip", "goto", "steps"]))
        // Those that act on the world or read the store take the session.
        #expect(deciding.isDisjoint(with: ["lb", "probe", "!", "advance", "run", "close", "quit"]))
        // What `run` and `replay` leave alone comes from the same table.
        #expect(Set(CommandTable.standard.specs.filter { !$0.runnable }.flatMap(\.allNames)) == ["quit", "exit", "close", "run"])
    }

    // MARK: - Intent

    /// omar's shell showed H1 open; dana ruled it out (#3) before his `confirm H1` was decided.
    @Test func aHypothesisMovedByAnotherRefusesAndNamesTheMove() throws {
        let seen = Self.incident([("dana", .hypothesis, "DDoS", ["id": "H1", "status": "open"])])
        let now = Self.incident([("dana", .hypothesis, "DDoS", ["id": "H1", "status": "open"]),
                                 ("dana", .hypothesis, "traffic at baseline", ["id": "H1", "status": "ruled-out", "reason": "traffic at baseline"])])
        let drafting = Drafting(state: now, now: now.lastAt, responder: "omar")
        var asked: [Int] = []
        let records = { (seq: Int) -> [TranscriptEntry] in
            asked.append(seq)
            return [TranscriptEntry(seq: 3, at: now.lastAt, wall: now.lastAt, by: "dana", kind: .hypothesis, text: "traffic at baseline",
                                    data: ["id": "H1", "status": "ruled-out", "reason": "traffic at baseline"])]
        }
        #expect {
            try drafting.refuseIfMoved(.hypothesis("H1"), words: ["H1"], seen: seen, recordedAfter: records)
        } throws: { error in
            let refusal = try #require(error as? IntentRefusal)
            return refusal.message.hasPrefix("dana ruled out H1 at 03:50:02Z (traffic at baseline) while you saw it open; nothing changed")
                && refusal.conflict["moved_seq"] == .int(3)
        }
        #expect(asked == [2])
        // A note of dana's moved nothing omar depends on: no refusal, and the record is not read.
        asked = []
        let noted = Self.incident([("dana", .hypothesis, "DDoS", ["id": "H1", "status": "open"]), ("dana", .note, "looking", [:])])
        try Drafting(state: noted, now: noted.lastAt, responder: "omar").refuseIfMoved(.hypothesis("H1"), words: ["H1"], seen: seen, recordedAfter: records)
        #expect(asked.isEmpty)
    }

    /// Both looked at the step at the prompt; dana's `done` landed first: omar's is refused.
    @Test func doneAfterSomeoneElseCompletedTheStepIsRefused() throws {
        let playbook = try BundledPlaybookWalkTests.bundled("lb-cascading-failure")
        let drill = try PlaybookDrill(playbook, openAt: Self.t0)
        let seen = drill.state
        let dana = Drafting(state: seen, now: Self.t0 + 60_000, responder: "dana", playbook: playbook)
        _ = try dana.apply(dana.requireProgress().done(step: nil, note: nil, at: dana.now))
        var now = seen
        for draft in dana.drafts { now.apply(draft) }
        #expect(now.step != seen.step)
        let omar = Drafting(state: now, now: Self.t0 + 61_000, responder: "omar", playbook: playbook)
        #expect {
            try omar.refuseIfMoved(.step, words: [], seen: seen) { seq in dana.drafts.filter { $0.seq > seq } }
        } throws: { error in
            let message = (error as? IntentRefusal)?.message ?? ""
            return message.hasPrefix("dana completed take-command at 03:51:00Z while your prompt showed take-command; nothing changed")
        }
        // dana herself is not refused by her own move.
        try Drafting(state: now, now: Self.t0 + 61_000, responder: "dana", playbook: playbook)
            .refuseIfMoved(.stepAtPrompt, words: [], seen: seen) { seq in dana.drafts.filter { $0.seq > seq } }
    }
}
