/// What a command depends on, as its typist saw it when they pressed Enter. A command that
/// names one (`CommandSpec.dependsOn`) is decided against the typist's view: when someone
/// else moved that part of the incident since, nothing is changed, and the shell says what
/// moved, who moved it and what to type now. Anything else that moved meanwhile (a note, a
/// probe, a colleague's step while you add a hypothesis) never refuses a command.
public enum Dependency: Sendable, Equatable {
    /// `done`, `skip`: the step at the prompt, or the step they name while it is still to do.
    case step
    /// `next`, `goto`: the step at the prompt.
    case stepAtPrompt
    /// `confirm`, `rule-out`: the hypothesis's state (open, ruled out, confirmed).
    case hypothesis(String)
    /// `mark`: whether the milestone was marked.
    case milestone(String)
    /// `role ROLE NAME`: who holds the role.
    case role(String)
    /// An `lb` change: the configuration version the typist last looked at.
    case configuration
}

/// What the typist had seen when a line was entered: the incident as this shell had folded
/// it before the line (what its prompt and notices showed), and how far into the record they
/// had looked at the load balancer's configuration.
struct CommandIntent {
    /// The id the line's entries are recorded under (exactly once, however often sent).
    let command: CommandID
    /// The incident as this shell showed it.
    let seen: IncidentState
    /// `lb show`, `lb history`, `lb diff`, `probe config` or the typist's own change showed
    /// the configuration as recorded up to this `seq`.
    let configurationSeenThrough: Int
}

/// A command refused because what it depends on moved since its typist looked: nothing was
/// changed; the refused line is on the record as an `error` entry with `data.conflict`.
struct IntentRefusal: Error, CustomStringConvertible {
    let message: String
    let conflict: JSONObject

    var description: String { message }
}

extension CommandContext {
    /// Refuses the command when what it depends on was moved by someone else since its typist
    /// saw it: the step at the prompt, a hypothesis's state, a milestone, a role's holder. A
    /// pure decision over the state as recorded, the typist's view and the others' entries.
    /// - Parameters:
    ///   - seen: the incident as the typist's shell showed it when they pressed Enter.
    ///   - recordedAfter: the entries recorded after a `seq` (read only when something moved).
    /// - Throws: `IntentRefusal` naming the move, who made it and what to type now.
    func refuseIfMoved(_ dependency: Dependency, words: [String], seen view: IncidentState, recordedAfter: (Int) throws -> [TranscriptEntry]) throws {
        // Someone else's entries: not this typist's, not what warroom found by itself.
        func others(_ seq: Int) throws -> [TranscriptEntry] {
            guard state.lastSeq > seq else { return [] }
            return try recordedAfter(seq).filter { $0.by != responder && $0.by != IncidentState.automaticAuthor }
        }
        switch dependency {
        case .step, .stepAtPrompt:
            let seenStep = view.step
            if dependency == .step, let progress, let named = Session.namedStep(words, in: progress.playbook) {
                // `done STEP` names its step: it stands while that step is still to be done.
                let seenThen = PlaybookProgress(playbook: progress.playbook, state: view)
                guard progress.status(of: named) == .done, seenThen.status(of: named) != .done else { return }
            } else {
                guard state.step != seenStep else { return }
            }
            let moves = try others(view.lastSeq).filter { $0.kind == .step }
            let events = moves.compactMap(StepEvent.init(entry:))
            guard let mover = events.last(where: \.settles) ?? events.last else { return }
            let what = mover.described
            let now = state.step.map { "the current step is now \($0)" } ?? "the playbook is complete"
            throw IntentRefusal(
                message: "\(mover.by) \(what) at \(stampSeconds(mover.at)) while your prompt showed \(seenStep ?? "no step"); nothing changed. \(now.prefix(1).uppercased() + now.dropFirst()): 'steps' to look, or type it again to act on it",
                conflict: ["on": "step", "seen": .optional(seenStep), "now": .optional(state.step), "moved_by": .string(mover.by), "moved_seq": .int(mover.seq)])
        case .hypothesis(let id):
            guard let seen = view.hypothesis(id), let now = state.hypothesis(id), seen.status != now.status else { return }
            let mover = try others(view.lastSeq).filter { $0.kind == .hypothesis && $0.data["id"]?.stringValue == id }.last
            guard let mover else { return }
            let reason = now.reason.flatMap { $0.isEmpty ? nil : " (\(Display.firstLine($0, limit: 80)))" } ?? ""
            throw IntentRefusal(
                message: "\(mover.by) \(now.status == .ruledOut ? "ruled out" : now.status == .confirmed ? "confirmed" : "reopened") \(id) at \(stampSeconds(mover.at))\(reason) while you saw it \(seen.status.rawValue); nothing changed. Talk it over; to reopen the question, raise it again with 'hypothesis TEXT'",
                conflict: ["on": .string("hypothesis \(id)"), "seen": .string(seen.status.rawValue), "now": .string(now.status.rawValue),
                           "moved_by": .string(mover.by), "moved_seq": .int(mover.seq)])
        case .milestone(let name):
            guard view.milestones[name] == nil, let now = state.milestones[name], now.by != responder else { return }
            throw IntentRefusal(
                message: "\(now.by) marked \(name) at \(stampSeconds(now.time)) (#\(now.seq)) after you last looked; nothing changed. 'milestones' to look, or type it again to record your time as a correction",
                conflict: ["on": .string("milestone \(name)"), "moved_by": .string(now.by), "moved_seq": .int(now.seq)])
        case .role(let role):
            let seen = view.holder(of: role)
            let now = state.holder(of: role)
            guard seen != now else { return }
            let mover = try others(view.lastSeq).filter { $0.kind == .role && $0.data["role"]?.stringValue == role }.last
            guard let mover else { return }
            throw IntentRefusal(
                message: "\(mover.by) gave \(role) to \(now ?? "nobody") at \(stampSeconds(mover.at)) while you saw it held by \(seen ?? "nobody"); nothing changed. 'roles' to look, or type it again to hand it over from \(now ?? "nobody")",
                conflict: ["on": .string("role \(role)"), "seen": .optional(seen), "now": .optional(now), "moved_by": .string(mover.by), "moved_seq": .int(mover.seq)])
        case .configuration:
            // Decided by the session, which holds the load balancer's versions.
            return
        }
    }
}

extension Session {
    /// Refuses the command when what it depends on was moved by someone else since its typist
    /// saw it (`intent`): called holding the room's write lock, after reading the record.
    /// - Throws: `IntentRefusal` naming the move, who made it and what to type now.
    func checkIntent(_ dependency: Dependency, words: [String], intent: CommandIntent) throws {
        // A file has one writer: nobody else can have moved anything (and a change is not
        // worth reading the whole file for).
        guard store.isShared else { return }
        guard case .configuration = dependency else {
            try refuseIfMoved(dependency, words: words, seen: intent.seen) { try store.entries(after: $0) }
            return
        }
        let moves = try othersEntries(after: intent.configurationSeenThrough) { entry in
            LoadBalancerChangeRecord(entry: entry)?.isResponderChange == true
        }
        guard let last = moves.last else { return }
        let current = console?.current.number ?? last.data["version"]?.intValue ?? 0
        let would = (try? wouldDo(words)) ?? "act on v\(current)"
        throw IntentRefusal(
            message: "\(last.by) \(LoadBalancerChangeRecord(entry: last)?.described ?? "changed the load balancer") at \(stampSeconds(last.at)) (v\(last.data["version"]?.intValue ?? current)) after you last looked; nothing changed. Your 'lb \(words.joined(separator: " "))' would now \(would). 'lb show' to look, or type it again to act on v\(current)",
            conflict: ["on": "configuration", "seen_through": .int(intent.configurationSeenThrough), "version": .int(current),
                       "moved_by": .string(last.by), "moved_seq": .int(last.seq)])
    }

    /// Entries after `seq` that someone else recorded (not this shell's responder, not what
    /// warroom or monitoring recorded by itself) and that `matching` accepts.
    private func othersEntries(after seq: Int, matching: (TranscriptEntry) -> Bool) throws -> [TranscriptEntry] {
        guard state.lastSeq > seq else { return [] }
        return try store.entries(after: seq).filter { $0.by != responder && $0.by != IncidentState.automaticAuthor && matching($0) }
    }

    /// The step `done`/`skip` name explicitly (`--step STEP`, or a first word that is a step
    /// of the playbook); `goto`'s target is checked against the step at the prompt.
    static func namedStep(_ words: [String], in playbook: Playbook) -> String? {
        if let index = words.firstIndex(of: "--step"), index + 1 < words.count { return words[index + 1] }
        guard let first = words.first, playbook.step(first) != nil else { return nil }
        return first
    }

    /// What an `lb` change would do on the configuration as it stands now.
    private func wouldDo(_ words: [String]) throws -> String {
        guard let console else { return "act on the current version" }
        let current = console.current.number
        guard words.first?.lowercased() == "rollback" else { return "apply on top of v\(current)" }
        if words.count > 1 {
            return words[1] == "initial" ? "return from v\(current) to the initial configuration" : "return from v\(current) to v\(words[1])"
        }
        let (goal, reason) = try console.versionBeforeLatestChange()
        return "return to v\(goal), \(reason)"
    }
}
