/// What the transcript says about the playbook's steps and timers: part of `IncidentState`,
/// folded with everything else from the same entries, so the prompt, `status`, `steps`, the
/// timers and the postmortem read one set of facts.
///
/// It needs no playbook to fold: `PlaybookProgress` puts it next to the playbook to decide
/// what the steps' commands and timers do.
public struct PlaybookRecord: Sendable, Equatable {
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
        /// answer the probe at all (a real load balancer asked about the database): a check on
        /// them is not applicable.
        public var unavailable: [String]
        public var unavailableReason: String?
        /// Where the span its figures cover began (`data.window.from`), when it says.
        public var windowFrom: Instant?

        /// The reading a `probe` entry holds; `nil` for another kind, or one without figures.
        public init?(entry: TranscriptEntry) {
            guard entry.kind == .probe, entry.data["probe"]?.stringValue != nil, let metrics = entry.data["metrics"]?.objectValue else { return nil }
            self.init(at: entry.at, metrics: metrics, unavailable: entry.data["unavailable"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                      unavailableReason: entry.data["reason"]?.stringValue)
            windowFrom = entry.data["window"]?.objectValue?["from"]?.stringValue.flatMap(Instant.parseISO8601)
            windowTo = entry.data["window"]?.objectValue?["to"]?.stringValue.flatMap(Instant.parseISO8601)
        }

        /// Where that span ended (`data.window.to`).
        public var windowTo: Instant?

        public init(at: Instant, metrics: JSONObject, unavailable: [String] = [], unavailableReason: String? = nil) {
            self.at = at
            self.metrics = metrics
            self.unavailable = unavailable
            self.unavailableReason = unavailableReason
        }
    }

    /// A timebox that fired: the step and when it was due.
    public struct TimeboxKey: Sendable, Hashable {
        public var step: String
        public var due: Instant
    }

    /// The step being worked on, or `nil` before the playbook began and after its last step.
    public private(set) var currentStepID: String?
    /// The phase of the current step (or of the last step once the playbook is complete).
    public private(set) var currentPhase: String?
    /// The playbook was begun.
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
    /// The latest result of each probe kind, which step checks are judged on.
    public private(set) var latestProbes: [String: ProbeReading] = [:]
    /// The last change to the load balancer's configuration (when, and its version): a check
    /// judged after it reads a window that begins after it.
    public private(set) var lastConfigurationChange: ConfigurationChangeMark?

    /// When the configuration last changed, and the version it made.
    public struct ConfigurationChangeMark: Sendable, Equatable {
        public var at: Instant
        public var version: Int?
    }
    /// Escalation rules (by index) whose reminder fired.
    public private(set) var firedEscalations: Set<Int> = []
    /// Due time of the last status-update reminder that fired.
    public private(set) var lastReminderDue: Instant?
    /// Timeboxes that fired (a step made current again gets a new one).
    public private(set) var firedTimeboxes: Set<TimeboxKey> = []
    /// Steps done or skipped before the path reached them, with the step they lead to (`nil`:
    /// past the end): when the path arrives there, it passes over them.
    public private(set) var settledAhead: [String: String?] = [:]

    public init() {}

    /// The status of a step (`pending` when nothing happened to it yet).
    public func status(of stepID: String) -> StepStatus {
        statuses[stepID] ?? .pending
    }

    /// Folds one transcript entry; entries that do not concern the playbook are ignored.
    mutating func apply(_ entry: TranscriptEntry) {
        switch entry.kind {
        case .probe:
            guard let kind = entry.data["probe"]?.stringValue, let reading = ProbeReading(entry: entry) else { return }
            latestProbes[kind] = reading
        case .lb:
            if let change = LoadBalancerChangeRecord(entry: entry), change.changesConfiguration, change.action != "baseline" {
                lastConfigurationChange = ConfigurationChangeMark(at: entry.at, version: change.version)
            }
        case .phase:
            if let phase = entry.data["phase"]?.stringValue { currentPhase = phase }
        case .step:
            applyStep(entry)
        case .timer:
            applyTimer(entry.data)
        case .escalation:
            // Transcripts from before reminders were told apart from escalations recorded an
            // escalation entry beside the rule's timer.
            if let rule = entry.data["rule"]?.intValue { firedEscalations.insert(rule) }
        default:
            break
        }
    }

    private mutating func applyStep(_ entry: TranscriptEntry) {
        guard let event = StepEvent(entry: entry), let settled = event.status else { return }
        let id = event.step
        switch settled {
        case .current:
            if let previous = currentStepID, previous != id, [.current, .overdue].contains(status(of: previous)) {
                // Left by `goto`: the step was neither done nor skipped.
                statuses[previous] = .pending
            }
            currentStepID = id
            if let phase = entry.phase { currentPhase = phase }
            statuses[id] = .current
            stepStartedAt[id] = entry.at
            settledAhead[id] = nil
            started = true
            finished = false
        case .done, .skipped:
            statuses[id] = settled
            stepSettledAt[id] = entry.at
            let next = event.next
            if id == currentStepID {
                currentStepID = nil
                finished = next == nil
            } else {
                settledAhead[id] = .some(next)
            }
        case .overdue:
            overdueSteps.insert(id)
            if id == currentStepID { statuses[id] = .overdue }
        case .pending:
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
