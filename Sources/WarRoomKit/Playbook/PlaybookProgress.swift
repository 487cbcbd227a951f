/// Where an incident stands in its playbook, rebuilt from the transcript alone.
///
/// It is a fold: `apply(_:)` takes each transcript entry in order (the session applies what
/// it records; `resume` applies the whole file), so the live session and a resumed one hold
/// the same progress. Commands (`done`, `skip`, `goto`, …) and timers (`dueTimers`) never
/// change it directly: they return entry drafts, which change it once recorded and applied.
public struct PlaybookProgress: Sendable, Equatable {
    /// A step's state, as `steps` shows it.
    public enum StepStatus: String, Sendable, Equatable {
        case pending
        case current
        case done
        case skipped
        /// Current, and past its timebox.
        case overdue
    }

    /// The latest result of one probe kind.
    public struct ProbeReading: Sendable, Equatable {
        public var at: Instant
        /// The probe's metrics (fractions, milliseconds, counts).
        public var metrics: JSONObject
        /// Metrics the target could not provide (`data.unavailable`), and why when it could not
        /// answer the probe at all: a check on them is not applicable.
        public var unavailable: [String]
        public var unavailableReason: String?

        public init(at: Instant, metrics: JSONObject, unavailable: [String] = [], unavailableReason: String? = nil) {
            self.at = at
            self.metrics = metrics
            self.unavailable = unavailable
            self.unavailableReason = unavailableReason
        }
    }

    /// The playbook being followed.
    public let playbook: Playbook

    /// The step being worked on, or `nil` before `begin` and after the last step.
    public private(set) var currentStepID: String?
    /// The phase of the current step (or of the last step once the playbook is complete).
    public private(set) var currentPhase: String?
    /// `begin` was recorded.
    public private(set) var started = false
    /// The last step was completed and nothing is current.
    public private(set) var finished = false
    /// Status of the steps that left `pending`.
    public private(set) var statuses: [String: StepStatus] = [:]
    /// When each step last became current.
    public private(set) var stepStartedAt: [String: Instant] = [:]
    /// When each step was done or skipped.
    public private(set) var stepSettledAt: [String: Instant] = [:]
    /// Steps whose timebox ran out at some point (they keep the mark once done).
    public private(set) var overdueSteps: Set<String> = []
    /// Milestones recorded, with their (possibly backdated) times; a later mark corrects an earlier one.
    public private(set) var milestones: [String: Instant] = [:]
    /// Incident-clock time of the `open` entry.
    public private(set) var openedAt: Instant?
    /// Time of the last stakeholder `update`.
    public private(set) var lastUpdateAt: Instant?
    /// The latest result of each probe kind, which step checks are judged on.
    public private(set) var latestProbes: [String: ProbeReading] = [:]
    /// Escalation rules (by index) that have fired.
    public private(set) var firedEscalations: Set<Int> = []
    /// Due time of the last status-update reminder that fired.
    public private(set) var lastReminderDue: Instant?
    /// Timeboxes that fired, as step id and due time (a step made current again gets a new one).
    public private(set) var firedTimeboxes: Set<TimeboxKey> = []
    /// Steps done or skipped before the path reached them, with the step they lead to (`nil`:
    /// past the end): when the path arrives there, it passes over them.
    public private(set) var settledAhead: [String: String?] = [:]
    /// Step ids in the transcript that the playbook no longer has (it changed since).
    public private(set) var unknownSteps: [String] = []

    /// A timebox that fired: the step and when it was due.
    public struct TimeboxKey: Sendable, Hashable {
        public var step: String
        public var due: Instant
    }

    /// Progress through `playbook` before anything was recorded.
    public init(playbook: Playbook) {
        self.playbook = playbook
    }

    /// Rebuilds progress from a transcript's entries (what `resume` does).
    /// - Parameters:
    ///   - playbook: the playbook the incident follows.
    ///   - entries: the transcript, in order.
    public init(playbook: Playbook, entries: some Sequence<TranscriptEntry>) {
        self.init(playbook: playbook)
        for entry in entries { apply(entry) }
    }

    /// The status of a step (`pending` when nothing happened to it yet).
    public func status(of stepID: String) -> StepStatus {
        statuses[stepID] ?? .pending
    }

    /// The current step.
    public var currentStep: Playbook.Step? {
        currentStepID.flatMap { playbook.step($0) }
    }

    /// Where detection was, or the incident opened when `detected` was never marked: the
    /// origin of escalation rules and the first status-update reminder.
    public var detectedAt: Instant? {
        milestones["detected"] ?? (waitsForDetection ? nil : openedAt)
    }

    /// A drill opens at its scenario's start, before anything has gone wrong: its timers wait
    /// for `detected`. A real incident is opened when it is detected, so its timers count from
    /// the opening until `detected` is marked.
    public private(set) var waitsForDetection = false

    /// Folds one transcript entry into the progress. Entries that do not concern the
    /// playbook are ignored, so the session can apply every entry it writes.
    public mutating func apply(_ entry: TranscriptEntry) {
        switch entry.kind {
        case .open:
            if openedAt == nil { openedAt = entry.at }
            if let scenario = entry.data["scenario"], scenario != .null { waitsForDetection = true }
        case .milestone:
            guard let name = entry.data["milestone"]?.stringValue else { return }
            milestones[name] = entry.data["time"]?.stringValue.flatMap(Instant.parseISO8601) ?? entry.at
        case .update:
            lastUpdateAt = entry.at
        case .probe:
            guard let kind = entry.data["probe"]?.stringValue, let metrics = entry.data["metrics"]?.objectValue else { return }
            latestProbes[kind] = ProbeReading(at: entry.at, metrics: metrics, unavailable: entry.data["unavailable"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                              unavailableReason: entry.data["reason"]?.stringValue)
        case .phase:
            if let phase = entry.data["phase"]?.stringValue { currentPhase = phase }
        case .step:
            applyStep(entry)
        case .timer:
            applyTimer(entry.data)
        case .escalation:
            if let rule = entry.data["rule"]?.intValue { firedEscalations.insert(rule) }
        default:
            break
        }
    }

    private mutating func applyStep(_ entry: TranscriptEntry) {
        guard let id = entry.data["step"]?.stringValue, let statusText = entry.data["status"]?.stringValue else { return }
        guard playbook.locations[id] != nil else {
            if !unknownSteps.contains(id) { unknownSteps.append(id) }
            return
        }
        switch statusText {
        case StepStatus.current.rawValue:
            if let previous = currentStepID, previous != id, [.current, .overdue].contains(status(of: previous)) {
                // Left by `goto`: the step was neither done nor skipped.
                statuses[previous] = .pending
            }
            currentStepID = id
            currentPhase = playbook.phase(ofStep: id)?.name
            statuses[id] = .current
            stepStartedAt[id] = entry.at
            settledAhead[id] = nil
            started = true
            finished = false
        case StepStatus.done.rawValue, StepStatus.skipped.rawValue:
            statuses[id] = statusText == StepStatus.done.rawValue ? .done : .skipped
            stepSettledAt[id] = entry.at
            let next = entry.data["next"]?.stringValue
            if id == currentStepID {
                currentStepID = nil
                finished = next == nil
            } else {
                settledAhead[id] = .some(next)
            }
        case StepStatus.overdue.rawValue:
            overdueSteps.insert(id)
            if id == currentStepID { statuses[id] = .overdue }
        default:
            break
        }
    }

    private mutating func applyTimer(_ data: JSONObject) {
        guard let kind = data["timer"]?.stringValue.flatMap(TimerFiring.Kind.init(rawValue:)) else { return }
        let due = data["due"]?.stringValue.flatMap(Instant.parseISO8601)
        switch kind {
        case .escalation:
            if let rule = data["rule"]?.intValue { firedEscalations.insert(rule) }
        case .statusUpdate:
            if let due, lastReminderDue.map({ due > $0 }) ?? true { lastReminderDue = due }
        case .timebox:
            if let due, let step = data["step"]?.stringValue { firedTimeboxes.insert(TimeboxKey(step: step, due: due)) }
        }
    }
}
