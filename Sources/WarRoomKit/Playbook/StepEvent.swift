/// A playbook step's event as the transcript records it (`step` entries): a step became
/// current, was done or skipped, went overdue. The playbook's fold, the intent check, the
/// timeline and the postmortem read step entries through this.
public struct StepEvent: Sendable, Equatable {
    public var seq: Int
    public var at: Instant
    public var by: String
    /// The step's id.
    public var step: String
    /// `current`, `done`, `skipped` or `overdue`; `nil` for a status this version does not know.
    public var status: PlaybookRecord.StepStatus?
    /// Why it was skipped, or the note it was done with.
    public var reason: String?
    /// The step the playbook goes to next (on `done` and `skip`).
    public var next: String?
    /// The step it was left from (`goto`).
    public var from: String?
    /// The check judged on `done`, as recorded.
    public var check: JSONObject?

    /// The event a `step` entry holds; `nil` for another kind, or one naming no step.
    public init?(entry: TranscriptEntry) {
        guard entry.kind == .step, let step = entry.data["step"]?.stringValue else { return nil }
        let data = entry.data
        seq = entry.seq
        at = entry.at
        by = entry.by
        self.step = step
        status = data["status"]?.stringValue.flatMap(PlaybookRecord.StepStatus.init(rawValue:))
        reason = data["reason"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        next = data["next"]?.stringValue
        from = data["from"]?.stringValue
        check = data["check"]?.objectValue
    }

    /// Whether it settled a step (done or skipped) or moved away from one (`goto`): what a
    /// colleague's `done` on the same step is refused over.
    public var settles: Bool {
        status == .done || status == .skipped || from != nil
    }

    /// `completed confirm-errors`, `skipped size-impact`, `went to rollback`.
    public var described: String {
        switch status {
        case .done: "completed \(step)"
        case .skipped: "skipped \(step)"
        case .current: "went to \(step)"
        case .overdue: "let \(step) run past its timebox"
        case .pending, nil: "moved the playbook on"
        }
    }
}
