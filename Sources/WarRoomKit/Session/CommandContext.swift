/// What a command decides against, and where what it decides goes: the incident as recorded
/// (with what the command has decided so far folded in, so the rest of the decision sees it),
/// the incident clock's reading, who is typing, the playbook.
///
/// A shell's `Session` is one: what a command records there is staged for the recorder's one
/// commit. `Drafting` is another, over a state alone and no store: the command's decision is
/// then its drafts, as values. Commands that only record (notes, hypotheses, milestones, roles,
/// playbook steps) are written against this protocol; those that act on the world (`lb`,
/// probes, `!`, the clock, views that read the store) take the session.
public protocol CommandContext: AnyObject {
    /// The incident, with what the command has decided so far folded in.
    var state: IncidentState { get }
    /// The incident clock's reading for this line.
    var now: Instant { get }
    /// Real time for this line.
    var wallNow: Instant { get }
    /// Who is typing.
    var responder: String { get }
    var playbook: Playbook? { get }
    /// The time `--at TIME` gave the line, if it did: what it records is stamped with it.
    var backdate: Instant? { get }
    /// The line as typed, for the first entry the line records (then `nil`).
    func takeInput() -> String?
    /// Folds `draft` into the state under the next `seq` and keeps it as decided.
    /// - Returns: the entry as it will be recorded.
    @discardableResult
    func stage(_ draft: TranscriptEntry) -> TranscriptEntry
}

// MARK: - Default implementations

extension CommandContext {
    /// Decides an entry stamped with the incident clock (or the line's `--at`), this terminal's
    /// responder and the playbook position, and folds it into the state.
    /// - Returns: the entry with the `seq` it will be recorded under.
    @discardableResult
    public func record(_ kind: EntryKind, text: String = "", data: JSONObject = [:], at: Instant? = nil, by: String? = nil) throws -> TranscriptEntry {
        var data = data
        // `--at TIME` stamps what the line records with that time, and says so.
        if at == nil, backdate != nil { data["backdated"] = .string(now.iso8601) }
        let entry = TranscriptEntry(seq: 0, at: at ?? backdate ?? now, wall: wallNow, by: by ?? responder, kind: kind,
                                    phase: state.phase, step: state.step, input: takeInput(), text: text, data: data)
        return stage(entry)
    }

    /// Decides a playbook's entry drafts in order (each at its own time when it has one).
    public func record(_ drafts: [PlaybookEntryDraft]) throws {
        guard !drafts.isEmpty else { return }
        let input = takeInput()
        for (index, draft) in drafts.enumerated() {
            // What the playbook does by itself (timers) is by warroom.
            let automatic = draft.kind == .timer
            var entry = draft.entry(seq: 0, now: now, wall: wallNow, by: automatic ? IncidentState.automaticAuthor : responder,
                                    input: index == 0 ? input : nil)
            if entry.phase == nil { entry.phase = state.phase }
            if entry.step == nil { entry.step = state.step }
            stage(entry)
        }
    }

    /// The playbook engine over the incident as it stands, when the incident follows a playbook.
    public var progress: PlaybookProgress? {
        playbook.map { PlaybookProgress(playbook: $0, state: state) }
    }

    public func requireProgress() throws -> PlaybookProgress {
        guard let progress else {
            throw CommandError.invalid("this incident has no playbook; start one with --playbook ID (see 'warroom playbooks list')")
        }
        return progress
    }

    /// The step `done` and `skip` apply to: `--step STEP`, else the first word when it names a
    /// step not yet done, else `nil` (the current step; the first word starts the note).
    public func leadingStep(_ arguments: inout Arguments, usage: String) throws -> String? {
        if let named = try arguments.option("--step", usage: usage) { return named }
        guard let first = arguments.words.first, let progress, progress.playbook.step(first) != nil, progress.status(of: first) != .done else { return nil }
        return arguments.first()
    }

    /// Steps `done` or `skip` can name: those not done yet.
    public var openStepIDs: [String] {
        guard let progress else { return [] }
        return progress.playbook.stepIDs.filter { progress.status(of: $0) != .done }
    }

    /// Records what a playbook command produced and returns its message.
    public func apply(_ outcome: PlaybookOutcome) throws -> String {
        try record(outcome.entries)
        return outcome.message
    }

    /// Records a milestone (once per milestone; a second mark of the same one is refused
    /// unless the first was retracted — correct a time with `retract` then `mark --at`). One
    /// that would put the incident out of order is refused, unless `force`d.
    public func markMilestone(_ milestone: Milestone, at time: Instant, text: String, force: Bool = false, alert: AlertRecord? = nil) throws -> String {
        if let existing = state.milestones[milestone.rawValue] {
            throw CommandError.invalid("'\(milestone.rawValue)' was already marked at \(existing.time.clockSeconds) (#\(existing.seq)); to move it, 'retract \(existing.seq) REASON' then mark it again")
        }
        var data: JSONObject = ["milestone": .string(milestone.rawValue), "time": .string(time.iso8601)]
        if let problem = state.orderProblem(milestone, at: time) {
            guard force else { throw CommandError.invalid("\(problem); check the time, or add --force to record it anyway") }
            data["forced"] = true
            data["problem"] = .string(problem)
        }
        if let alert {
            data["alert"] = .string(alert.name)
            data["alert_seq"] = .int(alert.seq)
        }
        let backdated = time != now
        try record(.milestone, text: text.isEmpty ? "\(milestone.rawValue)" : text, data: data)
        var output = "\(milestone.rawValue) at \(time.clockSeconds)" + (backdated ? " (backdated)" : "")
        if let alert { output += ", when the alert \(alert.name) fired" }
        if milestone == .detected, alert == nil, let first = state.firstAlert, time < first.at {
            // Possible (a person saw it first), and worth a second look: said, not refused.
            output += "; note: before the first alert (\(first.name) at \(first.at.clockSeconds)) — noticed before monitoring did?"
        }
        if data["forced"] != nil { output += " — forced: \(data["problem"]?.stringValue ?? "")" }
        return output
    }

    /// Records an escalation; the first one marks the milestone `escalated`.
    public func escalate(to: String, reason: String) throws -> String {
        let entry = try record(.escalation, text: "Escalated to \(to)" + (reason.isEmpty ? "" : ": \(reason)"),
                               data: ["to": .string(to), "reason": .string(reason)])
        var output = "escalated to \(to) (#\(entry.seq))"
        if state.milestones[Milestone.escalated.rawValue] == nil {
            _ = try markMilestone(.escalated, at: backdate ?? now, text: "")
            output += "; milestone 'escalated' set"
        }
        return output
    }

    /// `03:45:10Z`, or `2023-11-06 03:45:10Z` once the incident has crossed midnight.
    public func stampSeconds(_ instant: Instant) -> String {
        instant.date == state.openedAt.date ? instant.clockSeconds : "\(instant.date) \(instant.clockSeconds)"
    }

    /// `03:45Z`, or `11-06 03:45Z` once the incident has crossed midnight.
    public func stamp(_ instant: Instant) -> String {
        instant.date == state.openedAt.date ? instant.clockMinutes : "\(instant.date.dropFirst(5)) \(instant.clockMinutes)"
    }
}

/// Deciding without a store: a command decides over a state, and what it decided is kept here
/// as values (`drafts`, folded into `state` as they come) — nothing is recorded. Unit tests
/// decide commands this way; so can anything that wants to know what a line would record.
final class Drafting: CommandContext {
    private(set) var state: IncidentState
    let now: Instant
    let wallNow: Instant
    let responder: String
    let playbook: Playbook?
    let backdate: Instant?
    /// What the command decided to record, in order, with the `seq`s they would take.
    private(set) var drafts: [TranscriptEntry] = []
    private var input: String?

    /// - Parameters:
    ///   - state: the incident as recorded.
    ///   - now: the incident clock; `wallNow` defaults to it.
    ///   - responder: who is typing.
    ///   - input: the line as typed.
    init(state: IncidentState, now: Instant, wallNow: Instant? = nil, responder: String, playbook: Playbook? = nil, input: String? = nil, backdate: Instant? = nil) {
        self.state = state
        self.now = now
        self.wallNow = wallNow ?? now
        self.responder = responder
        self.playbook = playbook
        self.input = input
        self.backdate = backdate
    }

    func takeInput() -> String? {
        defer { input = nil }
        return input
    }

    @discardableResult
    func stage(_ draft: TranscriptEntry) -> TranscriptEntry {
        var entry = draft
        entry.seq = state.lastSeq + 1
        state.apply(entry)
        drafts.append(entry)
        return entry
    }
}
