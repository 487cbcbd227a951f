/// A playbook: the phases and steps a responder follows, with the timers (escalations, status
/// updates, timeboxes) that remind them on the incident clock. Loaded from YAML by
/// `PlaybookLoader`; the format is in docs/PLAYBOOKS.md.
public struct Playbook: Sendable, Equatable {
    /// Identifier, `[a-z0-9-]+` (`lb-cascading-failure`).
    public let id: String
    public let title: String
    public let version: Int
    public let description: String?
    /// Default severity, `SEV-1` … `SEV-5`.
    public let severity: String?
    /// Default drill scenario id.
    public let scenario: String?
    /// Where `scenario` is written in the file, for a message when no such scenario exists.
    public var scenarioPosition: Position?
    /// The roles the incident needs (commander, scribe, …).
    public let roles: [String]
    /// Remind the responder to post an `update` this often (milliseconds).
    public let statusUpdateInterval: Int64?
    public let escalation: [EscalationRule]
    /// Ordered; each holds at least one step.
    public let phases: [Phase]
    /// Where the playbook was read from (as given to the loader).
    public let path: String
    /// SHA-256 of the file's bytes, lowercase hex (recorded in the transcript's `open` entry).
    public let sha256: String

    public init(id: String, title: String, version: Int, description: String? = nil, severity: String? = nil,
                scenario: String? = nil, roles: [String] = [], statusUpdateInterval: Int64? = nil,
                escalation: [EscalationRule] = [], phases: [Phase], path: String = "", sha256: String = "")
    {
        self.id = id
        self.title = title
        self.version = version
        self.description = description
        self.severity = severity
        self.scenario = scenario
        self.roles = roles
        self.statusUpdateInterval = statusUpdateInterval
        self.escalation = escalation
        self.phases = phases
        self.path = path
        self.sha256 = sha256
        var locations: [String: Location] = [:]
        var order = 0
        for (p, phase) in phases.enumerated() {
            for (s, step) in phase.steps.enumerated() where locations[step.id] == nil {
                locations[step.id] = Location(phase: p, step: s, order: order)
                order += 1
            }
        }
        self.locations = locations
    }

    /// Where a step sits: its phase's index, its index in the phase, and its index in the
    /// playbook's reading order.
    public struct Location: Sendable, Equatable, Hashable {
        public var phase: Int
        public var step: Int
        public var order: Int
    }

    /// Step ids to their locations, built once so that the engine's lookups stay O(1) on
    /// long playbooks.
    public let locations: [String: Location]

    /// A line and column in the playbook's file (1-based), kept so that later messages can
    /// point at the YAML that caused them.
    public struct Position: Sendable, Equatable, Hashable {
        public var line: Int
        public var column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    /// An ordered group of steps (`detection`, `investigation`, …).
    public struct Phase: Sendable, Equatable {
        public var name: String
        public var description: String?
        public var steps: [Step]
        public var position: Position

        public init(name: String, description: String? = nil, steps: [Step], position: Position = Position(line: 1, column: 1)) {
            self.name = name
            self.description = description
            self.steps = steps
            self.position = position
        }
    }

    /// One thing to do, with the guidance shown when it becomes current.
    public struct Step: Sendable, Equatable {
        /// Unique in the playbook.
        public var id: String
        public var title: String
        /// What to do and why; shown when the step becomes current.
        public var guide: String?
        /// Suggested commands: warroom's own, or `!…` for the system shell.
        public var run: [String]
        /// The step is overdue after this long (milliseconds).
        public var timebox: Int64?
        /// The role expected to carry it out.
        public var role: String?
        /// The milestone that completing the step records.
        public var milestone: String?
        /// A condition on the latest probe result that picks `onPass` or `onFail`.
        public var check: Check?
        /// Where to go when the step is done (and its check, if any, passed).
        public var onPass: Target
        /// Where to go when the step's check failed.
        public var onFail: Target
        public var position: Position

        public init(id: String, title: String, guide: String? = nil, run: [String] = [], timebox: Int64? = nil, role: String? = nil,
                    milestone: String? = nil, check: Check? = nil, onPass: Target = .next, onFail: Target = .next,
                    position: Position = Position(line: 1, column: 1))
        {
            self.id = id
            self.title = title
            self.guide = guide
            self.run = run
            self.timebox = timebox
            self.role = role
            self.milestone = milestone
            self.check = check
            self.onPass = onPass
            self.onFail = onFail
            self.position = position
        }
    }

    /// Where a step leads: the next step in order, a step, or the first step of a phase.
    public enum Target: Sendable, Equatable, Hashable, CustomStringConvertible {
        case next
        case step(String)
        case phase(String)

        /// The name as written in YAML (`next`, a step id or a phase name).
        public var description: String {
            switch self {
            case .next: return "next"
            case .step(let id): return id
            case .phase(let name): return name
            }
        }
    }

    /// A condition on one metric of the latest result of one probe.
    public struct Check: Sendable, Equatable {
        /// Probe kind (`errors`, `traffic`, …).
        public var probe: String
        /// Metric of that probe (`error_rate`, …).
        public var metric: String
        /// The threshold the metric is compared with.
        public var threshold: Double
        /// Whether the check passes above or below the threshold.
        public var comparison: Comparison

        public init(probe: String, metric: String, threshold: Double, comparison: Comparison) {
            self.probe = probe
            self.metric = metric
            self.threshold = threshold
            self.comparison = comparison
        }

        /// `above` passes when the value is strictly greater than the threshold; `below` when
        /// strictly less.
        public enum Comparison: String, Sendable, Equatable {
            case above
            case below
        }

        /// Whether `value` passes.
        public func passes(_ value: Double) -> Bool {
            switch comparison {
            case .above: return value > threshold
            case .below: return value < threshold
            }
        }

        /// `errors.error_rate above 0.02`
        public var summary: String {
            "\(probe).\(metric) \(comparison.rawValue) \(PlaybookText.number(threshold))"
        }
    }

    /// A page due at `after` past `detected`, unless the `unless` milestone came first.
    public struct EscalationRule: Sendable, Equatable {
        /// Milliseconds after detection.
        public var after: Int64
        /// A milestone that cancels the rule when it is reached before the rule is due.
        public var unless: String?
        /// Who to page.
        public var page: String
        public var note: String?
        public var position: Position

        public init(after: Int64, unless: String? = nil, page: String, note: String? = nil, position: Position = Position(line: 1, column: 1)) {
            self.after = after
            self.unless = unless
            self.page = page
            self.note = note
            self.position = position
        }
    }
}
