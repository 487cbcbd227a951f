/// A playbook timer that came due on the incident clock: an escalation rule, a status-update
/// reminder, or a step's timebox.
public struct TimerFiring: Sendable, Equatable {
    /// What fired; the raw value is the `timer` entry's `data.timer`.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case escalation
        case statusUpdate = "status-update"
        case timebox
    }

    public var kind: Kind
    /// When it came due.
    public var due: Instant
    /// When to record it: `due`, or the start of the evaluated span for a timer that came
    /// due earlier (a backdated `detected`), so that the transcript's times never go back.
    public var recordAt: Instant
    /// The escalation rule's index in the playbook's `escalation` list.
    public var rule: Int?
    /// Who the escalation rule pages.
    public var page: String?
    /// The step whose timebox ran out.
    public var step: String?
    /// The reminder to print.
    public var message: String
    /// What to record, each with `at` = `recordAt`.
    public var entries: [PlaybookEntryDraft]
}

/// The next timer that will fire, for the prompt and `status`.
public struct PlaybookNextTimer: Sendable, Equatable {
    public var kind: TimerFiring.Kind
    public var due: Instant
    /// `escalation: page sre-oncall`, `status update`, `timebox of rollback`.
    public var label: String
}
