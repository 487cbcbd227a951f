/// The playbook engine: a playbook next to the incident's state, deciding what its commands
/// (`done`, `skip`, `goto`, `run`) and timers do.
///
/// It keeps no facts of its own. Everything it reads — the current step, the milestones, the
/// last update, the latest probe readings — is the one `IncidentState` folded from the
/// transcript, so a retracted milestone is retracted for the timers and the steps too.
/// Commands and timers return entry drafts; the session records them, folds them into the
/// state, and the next `PlaybookProgress` sees them.
public struct PlaybookProgress: Sendable {
    public typealias StepStatus = PlaybookRecord.StepStatus
    public typealias ProbeReading = PlaybookRecord.ProbeReading
    public typealias TimeboxKey = PlaybookRecord.TimeboxKey

    /// The playbook being followed.
    public let playbook: Playbook
    /// The incident as recorded so far.
    public let state: IncidentState

    /// - Parameters:
    ///   - playbook: the playbook the incident follows.
    ///   - state: the incident's state, folded from its transcript.
    public init(playbook: Playbook, state: IncidentState) {
        self.playbook = playbook
        self.state = state
    }

    /// The step facts of the incident's state.
    public var record: PlaybookRecord { state.steps }

    /// The step being worked on, or `nil` before `begin` and after the last step.
    public var currentStepID: String? { record.currentStepID }
    /// The phase of the current step (or of the last step once the playbook is complete).
    public var currentPhase: String? { record.currentPhase }
    /// `begin` was recorded.
    public var started: Bool { record.started }
    /// The last step was completed and nothing is current.
    public var finished: Bool { record.finished }
    public var statuses: [String: StepStatus] { record.statuses }
    public var stepStartedAt: [String: Instant] { record.stepStartedAt }
    public var stepSettledAt: [String: Instant] { record.stepSettledAt }
    public var overdueSteps: Set<String> { record.overdueSteps }
    public var latestProbes: [String: ProbeReading] { record.latestProbes }
    public var firedEscalations: Set<Int> { record.firedEscalations }
    public var lastReminderDue: Instant? { record.lastReminderDue }
    public var firedTimeboxes: Set<TimeboxKey> { record.firedTimeboxes }
    public var settledAhead: [String: String?] { record.settledAhead }
    /// Milestones in effect (retracted ones are gone), by name.
    public var milestones: [String: Instant] { state.milestones.mapValues(\.time) }
    /// Incident-clock time of the `open` entry.
    public var openedAt: Instant { state.openedAt }
    /// Time of the last stakeholder `update`.
    public var lastUpdateAt: Instant? { state.lastUpdateAt }

    /// Step ids in the transcript that the playbook no longer has (it changed since).
    public var unknownSteps: [String] {
        record.statuses.keys.filter { playbook.locations[$0] == nil }.sorted()
    }

    /// The status of a step (`pending` when nothing happened to it yet).
    public func status(of stepID: String) -> StepStatus {
        record.status(of: stepID)
    }

    /// The current step.
    public var currentStep: Playbook.Step? {
        currentStepID.flatMap { playbook.step($0) }
    }

    /// Where detection was — the first alert or `detected`, whichever came first — or, outside
    /// a drill, the opening when neither happened: the origin of escalation rules and the first
    /// status-update reminder.
    public var detectedAt: Instant? {
        // The first alert counts as soon as it fires: nobody is left unreminded because nobody
        // typed `mark detected` (a person who noticed first, marked earlier, counts from then).
        state.detectionOrigin ?? (waitsForDetection ? nil : openedAt)
    }

    /// A drill opens at its scenario's start, before anything has gone wrong: its timers wait
    /// for `detected`. A real incident is opened when it is detected, so its timers count from
    /// the opening until `detected` is marked.
    public var waitsForDetection: Bool { state.isDrill }

    /// When the current step's timebox starts counting: when it became current, but in a drill
    /// not before the first alert (or `detected`, if that came first) — a drill opens before
    /// anything is wrong, and the first step is about the alert. `nil` while a drill waits for one.
    ///
    /// An incident opened from an alert (`intake`, `start --alert`) opened after the alert
    /// fired: its first step's timebox counts from the alert, as its escalation timers do.
    public func timeboxStart(of stepID: String) -> Instant? {
        guard let start = stepStartedAt[stepID] else { return nil }
        if state.openData["alert_group"] != nil, stepID == playbook.firstStep?.id, let origin = state.detectionOrigin, origin < start {
            return origin
        }
        guard waitsForDetection else { return start }
        guard let origin = state.detectionOrigin else { return nil }
        return max(start, origin)
    }
}

extension PlaybookProgress: Equatable {
    /// Two views are equal when they follow the same playbook and the recorded facts they read
    /// agree (what `resume` must rebuild).
    public static func == (lhs: PlaybookProgress, rhs: PlaybookProgress) -> Bool {
        lhs.playbook.id == rhs.playbook.id && lhs.playbook.version == rhs.playbook.version && lhs.record == rhs.record
            && lhs.milestones == rhs.milestones && lhs.lastUpdateAt == rhs.lastUpdateAt && lhs.openedAt == rhs.openedAt
    }
}
