/// A compiled postmortem: the sections of a published postmortem as values, computed from a
/// transcript alone, so that the document never disagrees with what was recorded.
///
/// Build one with `Postmortem.compile(transcriptPath:strict:progress:)` (from a file) or
/// `PostmortemModel(entries:transcriptFile:verification:readProblems:)` (from entries in
/// memory), then render it with `PostmortemRenderer`. Every renderer reads this one value, so
/// the Markdown, JSON and HTML forms always say the same thing.
///
/// The stored properties follow the document's section order.
public struct PostmortemModel: Sendable, Equatable {
    /// Title, id, date, severity, status, responders, playbook, transcript and its final hash.
    public var incident: Incident
    /// Duration, impact and the root cause in brief.
    public var summary: Summary
    /// Every event a reader might look up, in order of when it took effect: the Appendix's
    /// full timeline (JSON `timeline`).
    public var timeline: PostmortemTimeline
    /// The body's timeline: about twenty events a reader needs, chosen from the record and
    /// adjusted by `highlight` and `omit` (JSON `curated_timeline`).
    public var curated: CuratedTimeline
    /// How the incident was detected, how long it took, what would have caught it sooner.
    public var detection: Detection
    /// Every hypothesis that was ruled out, with why.
    public var misleadingPaths: [MisleadingPath]
    /// Root cause, trigger and resolution with its evidence.
    public var resolution: Resolution
    /// Improvements and the task checklist.
    public var measures: Measures
    /// Time to detect, acknowledge, escalate, mitigate, resolve; impact duration.
    public var metrics: Metrics
    /// Went well, went wrong, lucky: from tagged notes.
    public var lessons: Lessons
    /// Playbook steps done, skipped and overdue.
    public var adherence: Adherence
    /// Probe evidence tables and the chart series.
    public var evidence: Evidence
    /// Problems with the transcript itself (failed verification, torn or unreadable lines) and
    /// with the record (an incident still open, milestones out of order). Renderers show them first.
    public var warnings: [String]
    /// Entries dated before the entry above them: how many, and the first.
    public var entriesBackwards: EntriesBackwards? = nil
    /// The pages and messages sent (`--notify`), with what came of each.
    public var notifications: [NotificationRecord] = []
    /// Those that were never delivered (the last attempt failed, or none ended it).
    public var undelivered: [NotificationRecord] { notifications.filter { $0.outcome != .delivered } }
}

extension PostmortemModel {
    /// The header of the postmortem.
    public struct Incident: Sendable, Equatable {
        public var id: String
        public var title: String
        public var severity: String
        /// `open`, `paused` or `closed`.
        public var status: String
        public var openedAt: Instant
        public var openedBy: String
        /// People who took part, in order of first appearance, with the roles they held at the end.
        public var responders: [Responder]
        public var playbook: PlaybookReference?
        public var scenario: ScenarioReference?
        /// The transcript's file name (no folder).
        public var transcriptFile: String
        /// The hash of the transcript's last entry: the head of its hash chain.
        public var finalHash: String
        public var entryCount: Int
        /// Whether the hash chain checked out; `nil` when it was not checked.
        public var verified: Bool?
        /// When the incident was written up, for one recorded after the fact
        /// (`start --from`, `import`); `nil` for one recorded as it happened.
        public var writtenAt: Instant? = nil

        /// The incident's date (UTC), `2023-11-05`.
        public var date: String { openedAt.date }
    }

    /// A person and the roles they hold.
    public struct Responder: Sendable, Equatable {
        public var name: String
        public var roles: [String]
    }

    /// The playbook an incident followed.
    public struct PlaybookReference: Sendable, Equatable {
        public var id: String
        public var version: Int?
        public var sha256: String?
    }

    /// The simulation scenario a drill ran.
    public struct ScenarioReference: Sendable, Equatable {
        public var id: String
        public var seed: Int?
    }

    /// What the start of the incident's duration was measured from.
    public enum StartBasis: String, Sendable, Equatable {
        /// The `impact-start` milestone.
        case impactStart = "impact-start"
        /// The `detected` milestone (no `impact-start` was marked).
        case detected
        /// The opening of the incident (neither milestone was marked).
        case opened
    }

    /// What the end of the incident's duration was measured to.
    public enum EndBasis: String, Sendable, Equatable {
        /// The `resolved` milestone.
        case resolved
        /// The `close` of the incident (no `resolved` was marked).
        case closed
        /// The last entry of a transcript whose incident is still going on.
        case lastEntry = "last-entry"
    }

    /// Where the share of users affected came from.
    public enum UsersAffectedSource: String, Sendable, Equatable {
        /// A drill's simulation, re-run from the transcript over the impact window.
        case simulation
        /// The `users_affected` probe readings over the impact window.
        case probes
        /// A percentage in the `impact` statement.
        case impactStatement = "impact-statement"
    }

    /// The Issue Summary.
    public struct Summary: Sendable, Equatable {
        public var start: Instant
        public var startBasis: StartBasis
        public var end: Instant
        public var endBasis: EndBasis
        /// Milliseconds from `start` to `end`.
        public var duration: Int64
        /// The affected service, when the transcript names one.
        public var service: String?
        /// What users saw: the `impact` statement.
        public var impact: String?
        /// Notes tagged `#impact`.
        public var impactNotes: PostmortemList<String>
        /// Share of users who had requests fail because of the incident within `impactWindow`, 0…1.
        public var usersAffected: Double?
        public var usersAffectedSource: UsersAffectedSource?
        /// The window `usersAffected` covers: impact start to mitigation (or resolution).
        public var impactWindow: ImpactWindow?
        /// The first percentage of the `impact` statement, when there is one.
        public var statedUsersAffected: Double?
        /// Why a drill's simulation did not give the figure, when it could not be re-run.
        public var usersAffectedNote: String?
        /// Requests failed within the impact window, from the metrics backend's range (an incident worked against Prometheus).
        public var measuredImpact: MeasuredImpact? = nil
        /// Impact start to mitigation, and to resolution (milliseconds); nil when a milestone is missing.
        public var impactToMitigation: Int64?
        public var impactToResolution: Int64?
        /// The root cause in one paragraph: the `rootcause` statement, else the confirmed hypotheses.
        public var rootCause: String?
        public var trigger: String?
        /// How the incident was mitigated and resolved, in a sentence or two.
        public var resolution: String?
        /// The summary given to `close`.
        public var closingSummary: String?
    }

    /// Entries dated before the entry above them (an edited or foreign transcript).
    public struct EntriesBackwards: Sendable, Equatable {
        public var count: Int
        /// The first such entry.
        public var firstSeq: Int
    }

    /// The span of time the impact figure covers.
    public struct ImpactWindow: Sendable, Equatable {
        public var from: Instant
        /// `impact-start`, `detected` or `opened`.
        public var fromBasis: String
        public var through: Instant
        /// `mitigated`, `resolved`, `closed` or `last entry`.
        public var throughBasis: String

        public init(from: Instant, fromBasis: String, through: Instant, throughBasis: String) {
            self.from = from
            self.fromBasis = fromBasis
            self.through = through
            self.throughBasis = throughBasis
        }
    }

    /// A probe result cited as evidence.
    public struct Citation: Sendable, Equatable {
        public var seq: Int
        public var at: Instant
        /// The probe kind (`errors`, `db` …).
        public var probe: String
        public var values: [MetricValue]
    }

    /// One named figure of a probe.
    public struct MetricValue: Sendable, Equatable {
        public var name: String
        public var value: Double
    }

    /// What a timeline bullet is about.
    public enum TimelineKind: String, Sendable, Equatable, CaseIterable {
        case open, milestone, phase, severity, escalation, hypothesis, statement, lb, action, update, note, step, shell, close
        /// A playbook reminder (escalation rule, status update, timebox): never an escalation.
        case timer
        /// A monitoring alert firing or resolving.
        case alert
        /// A probe result a responder highlighted.
        case probe
    }

    /// One bullet of the timeline.
    public struct TimelineItem: Sendable, Equatable {
        /// When it took effect (a backdated milestone's effective time).
        public var at: Instant
        public var kind: TimelineKind
        /// What happened, in plain text (corrected text when the entry was amended).
        public var text: String
        public var by: String
        /// The transcript entry it comes from.
        public var seq: Int
        /// Set when an `amend` corrected the entry.
        public var amended: Bool
        /// When it was recorded, if that differs from `at` (backdating).
        public var recordedAt: Instant?
        /// Probe results the decision relied on.
        public var evidence: [Citation]
    }

    /// A hypothesis that was ruled out.
    public struct MisleadingPath: Sendable, Equatable {
        public var id: String
        public var hypothesis: String
        public var reason: String
        public var raisedAt: Instant
        public var raisedBy: String
        public var ruledOutAt: Instant
        public var evidence: [Citation]
    }

    /// A hypothesis accepted as (part of) the root cause.
    public struct ConfirmedHypothesis: Sendable, Equatable {
        public var id: String
        public var hypothesis: String
        public var reason: String?
        public var raisedAt: Instant
        public var confirmedAt: Instant?
        public var evidence: [Citation]
    }

    /// A change to the load balancer's configuration, by a responder or by a scenario event.
    public struct ConfigChange: Sendable, Equatable {
        public var seq: Int
        public var at: Instant
        public var by: String
        /// `weight`, `rollback`, `drain` …
        public var action: String?
        public var backend: String?
        /// The new value, as text.
        public var value: String?
        public var fromVersion: Int?
        public var version: Int?
        public var text: String
        /// What changed, one line per server and field (`weight msg-01: 100 → 25`).
        public var changes: [String] = []
    }

    /// One probe reading.
    public struct Reading: Sendable, Equatable {
        public var seq: Int
        public var at: Instant
        public var value: Double
    }

    /// A metric before and after the mitigation.
    public struct Comparison: Sendable, Equatable {
        public var probe: String
        public var metric: String
        /// The last reading at or before the pivot.
        public var before: Reading
        /// The first reading after the pivot.
        public var after: Reading
        /// The last reading of all, when it is later than `after`.
        public var latest: Reading?
    }

    /// The Root Cause and Resolution section.
    public struct Resolution: Sendable, Equatable {
        public var rootCause: String?
        public var confirmed: [ConfirmedHypothesis]
        public var trigger: String?
        /// Notes tagged `#trigger`.
        public var triggerNotes: PostmortemList<String>
        public var mitigatedAt: Instant?
        /// The text given when `mitigated` was marked.
        public var mitigation: String?
        public var resolvedAt: Instant?
        /// The text given when `resolved` was marked.
        public var resolutionText: String?
        /// Action items of type `mitigate`.
        public var mitigationActions: [Task]
        public var configChanges: PostmortemList<ConfigChange>
        /// The milestone the comparisons are made around (`mitigated`, else `resolved`).
        public var pivotMilestone: String?
        public var pivot: Instant?
        public var comparisons: [Comparison]
        /// Who marked `mitigated` and `resolved`.
        public var mitigatedBy: String? = nil
        public var resolvedBy: String? = nil
        /// The configuration changes told as steps of the story: the trigger, the rollback,
        /// the permanent fix and the others, each a run of consecutive changes.
        public var steps: [ConfigStep] = []
        /// The reading that showed relief: the error rate before and after mitigation.
        public var relief: Comparison? = nil

        /// The step playing `role`, if any.
        public func step(_ role: ConfigStep.Role) -> ConfigStep? { steps.first { $0.role == role } }
    }

    /// A run of configuration changes made together (by the same people, minutes apart),
    /// with its net effect and the part it played.
    public struct ConfigStep: Sendable, Equatable {
        public enum Role: String, Sendable, Equatable {
            /// The last change before the impact started (or before detection).
            case trigger
            /// A `rollback` after the trigger.
            case rollback
            /// The change before mitigation, when there was no rollback.
            case mitigation
            /// The first change after the rollback or the mitigation, up to the resolution.
            case fix = "permanent-fix"
            /// Any other change.
            case other
        }

        public var role: Role
        public var from: Instant
        public var to: Instant
        public var by: [String]
        public var fromVersion: Int?
        /// The configuration version the step ended at.
        public var version: Int?
        /// For a rollback, the version rolled back to.
        public var rollbackTo: Int?
        public var changeCount: Int
        /// The net effect, compact: `weight 100 → 25 on msg-01…msg-27 (27); state drain → ready on msg-28, msg-29, msg-30`.
        public var summary: String
        /// The transcript entries of the changes.
        public var seqs: [Int]
    }

    /// One event of the body's timeline.
    public struct CuratedEvent: Sendable, Equatable {
        public var at: Instant
        /// For a span (a hypothesis from raised to decided), when it ended.
        public var until: Instant? = nil
        public var kind: TimelineKind
        /// Brief and plain: the Appendix's full timeline has every word.
        public var text: String
        public var by: String?
        public var seq: Int
        /// When it was recorded, if that differs from `at` (backdating).
        public var recordedAt: Instant?
        /// Put in by a responder's `highlight`.
        public var highlighted: Bool
    }

    /// The body's timeline and what was left out of it.
    public struct CuratedTimeline: Sendable, Equatable {
        public var events: [CuratedEvent]
        /// Events the body had no room for (they are in the Appendix).
        public var leftOut: Int
        /// Which they were: their `seq`s and what each was, in the order they happened.
        public var leftOutEvents: [LeftOut] = []
        /// Entries kept out by `omit`, with the reason.
        public var omitted: [Omission]
    }

    /// An event the body's timeline had no room for.
    public struct LeftOut: Sendable, Equatable {
        public var seq: Int
        public var at: Instant
        /// A few words: `probe latency`, `note`, `Update`.
        public var what: String
    }

    /// An entry a responder kept out of the body's timeline.
    public struct Omission: Sendable, Equatable {
        public var seq: Int
        public var reason: String
    }

    /// A monitoring alert that fired.
    public struct AlertFiring: Sendable, Equatable {
        public var name: String
        public var at: Instant
        public var metric: String?
        public var value: Double?
        public var threshold: Double?
        /// `above` or `below`.
        public var comparison: String?
        /// How long the condition had to hold before the rule fired (seconds).
        public var forSeconds: Int?
        /// When the condition began to hold.
        public var since: Instant?
        public var seq: Int
    }

    /// The Detection paragraph (Google SRE template): how, when, how long, what would have been sooner.
    public struct Detection: Sendable, Equatable {
        public var detectedAt: Instant?
        public var detectedBy: String?
        /// What was said when `detected` was marked.
        public var how: String?
        /// The first alert that fired, if monitoring recorded one.
        public var alert: AlertFiring?
        public var impactStart: Instant?
        /// Impact start → detected (milliseconds).
        public var timeToDetect: Int64?
        /// What would have caught it sooner, one sentence each, from the record.
        public var sooner: [String]
    }

    /// An action item.
    public struct Task: Sendable, Equatable {
        public var id: String
        public var text: String
        public var owner: String?
        /// `mitigate`, `prevent` or `process`.
        public var type: String
        public var due: String?
        public var done: Bool
    }

    /// Corrective and Preventative Measures.
    public struct Measures: Sendable, Equatable {
        /// Action items of type `prevent` and `process`.
        public var improvements: [Task]
        /// Every action item.
        public var tasks: [Task]
    }

    /// One metric of the Metrics section.
    public struct Measurement: Sendable, Equatable {
        /// `time_to_detect` …
        public var name: String
        /// `Time to detect` …
        public var label: String
        /// The milestone measured from (`detected`, or `impact-start`).
        public var from: String
        /// The milestone measured to.
        public var to: String
        /// Milliseconds, or `nil` when a milestone is missing.
        public var value: Int64?
        /// The milestones whose absence left `value` empty.
        public var missing: [String]
    }

    /// A milestone and when it took effect.
    public struct MilestoneTime: Sendable, Equatable {
        public var name: String
        public var time: Instant?
    }

    /// The Metrics section.
    public struct Metrics: Sendable, Equatable {
        /// The six milestones in their usual order, each with its effective time or `nil`.
        public var milestones: [MilestoneTime]
        /// Time to detect, acknowledge, escalate, mitigate, resolve, and the impact duration.
        public var measurements: [Measurement]
        /// `impact-start` was never marked, so the impact is taken to start at detection.
        public var impactStartAssumed: Bool
        /// Milestones never marked.
        public var missing: [String]
        /// Sentences a reader needs to interpret the figures.
        public var notes: [String]
        /// Milestones out of order, zero durations, milestones dated after they were recorded.
        public var problems: [MilestoneProblem] = []

        /// The measurement named `name` (e.g. `time_to_mitigate`), in milliseconds.
        public func value(_ name: String) -> Int64? {
            measurements.first { $0.name == name }?.value
        }
    }

    /// Something wrong with the milestones, found by `--check` and shown at the top.
    public enum MilestoneProblem: Sendable, Equatable, CustomStringConvertible {
        /// `later` takes effect before `earlier`, which should come first.
        case outOfOrder(earlier: String, earlierAt: Instant, later: String, laterAt: Instant)
        /// Two milestones a metric runs between take effect at the same instant.
        case zeroDuration(metric: String, from: String, to: String, at: Instant)
        /// A milestone takes effect after it was recorded, or after the last entry.
        case inTheFuture(milestone: String, at: Instant, recordedAt: Instant)

        public var description: String {
            switch self {
            case .outOfOrder(let earlier, let earlierAt, let later, let laterAt):
                return "\(later) (\(laterAt.iso8601Seconds)) is marked before \(earlier) (\(earlierAt.iso8601Seconds)); check the milestones ('retract' the wrong mark and mark it again with --at)"
            case .zeroDuration(let metric, let from, let to, let at):
                return "\(metric) is zero: \(from) and \(to) are both at \(at.iso8601Seconds); check the milestones"
            case .inTheFuture(let milestone, let at, let recordedAt):
                return "\(milestone) takes effect at \(at.iso8601Seconds), after it was recorded (\(recordedAt.iso8601Seconds)); a milestone cannot be in the future ('retract' it and mark it again)"
            }
        }
    }

    /// A lesson from a tagged note.
    public struct Lesson: Sendable, Equatable {
        public var text: String
        public var at: Instant
        public var by: String
        public var seq: Int
    }

    /// Lessons Learned.
    public struct Lessons: Sendable, Equatable {
        public var wentWell: PostmortemList<Lesson>
        public var wentWrong: PostmortemList<Lesson>
        public var lucky: PostmortemList<Lesson>
    }

    /// The outcome of a playbook check.
    public struct CheckResult: Sendable, Equatable {
        public var probe: String
        public var metric: String
        public var value: Double?
        public var threshold: Double?
        /// `above` or `below`.
        public var comparison: String?
        public var passed: Bool?
        /// The probe result the check was judged on.
        public var evidence: Citation?
    }

    /// How a playbook step ended.
    public enum StepStatus: String, Sendable, Equatable {
        case done
        case skipped
        /// Started and never finished.
        case incomplete
    }

    /// A playbook step as the transcript saw it.
    public struct StepRecord: Sendable, Equatable {
        public var step: String
        public var phase: String?
        public var status: StepStatus
        /// When it became current (if recorded).
        public var startedAt: Instant?
        /// When it was done or skipped.
        public var endedAt: Instant?
        public var by: String?
        /// Why it was skipped, or the note given when it was done.
        public var reason: String?
        /// It ran past its timebox.
        public var overdue: Bool
        public var check: CheckResult?
    }

    /// Playbook adherence.
    public struct Adherence: Sendable, Equatable {
        /// Steps in the order the transcript first mentions them.
        public var steps: [StepRecord]
        public var done: Int { steps.count { $0.status == .done } }
        public var skipped: Int { steps.count { $0.status == .skipped } }
        public var incomplete: Int { steps.count { $0.status == .incomplete } }
        public var overdue: Int { steps.count { $0.overdue } }
    }

    /// One row of a probe evidence table.
    public struct EvidenceRow: Sendable, Equatable {
        public var seq: Int
        public var at: Instant
        /// One value per `ProbeTable.metrics` name; `nil` where the probe did not report it.
        public var values: [Double?]
        /// Where the span the values cover began (`data.window.from`), when the probe said.
        public var windowFrom: Instant? = nil
    }

    /// The smallest and largest value of a metric over all of a probe's results.
    public struct MetricRange: Sendable, Equatable {
        public var name: String
        public var min: Double
        public var max: Double
    }

    /// The results of one probe kind over time.
    public struct ProbeTable: Sendable, Equatable {
        public var probe: String
        /// Every result recorded (retracted ones left out).
        public var sampleCount: Int
        public var metrics: [String]
        /// All results, or at most `PostmortemLimits.tableRows` of them evenly spaced.
        public var rows: [EvidenceRow]
        public var ranges: [MetricRange]
        /// Whether `rows` is a selection rather than every result.
        public var isSampled: Bool { rows.count < sampleCount }
    }

    /// A point of a chart series.
    public struct ChartPoint: Sendable, Equatable {
        public var at: Instant
        public var value: Double
    }

    /// A labelled vertical line on the chart.
    public struct ChartMarker: Sendable, Equatable {
        /// What a marker stands for.
        public enum Kind: String, Sendable, Equatable {
            case milestone
            /// The configuration change that triggered the incident.
            case trigger
            /// A rollback of the configuration.
            case rollback
            /// The permanent fix's last change.
            case fix = "permanent-fix"
            /// Any other configuration change (a tick on the time axis).
            case change
        }

        public var label: String
        public var at: Instant
        public var kind: Kind = .milestone
    }

    /// Error rate and traffic over the incident, with the milestones marked.
    public struct Chart: Sendable, Equatable {
        /// `errors.error_rate`, as fractions: what the responders' probes read.
        public var errorRate: [ChartPoint]
        /// `traffic.request_rate`, in requests per second.
        public var requestRate: [ChartPoint]
        public var markers: [ChartMarker]
        /// Impact start to mitigation (or resolution): the chart gives it at least half its width.
        public var impactWindow: ImpactWindow? = nil
        /// For a drill, the simulation re-run from the transcript: what monitoring would have
        /// shown between the probes. Nil for other incidents and when it cannot be re-run.
        public var simulation: SimulatedSeries? = nil
        /// Why a drill's simulation was not re-run (its scenario file is missing or changed).
        public var simulationNote: String? = nil
        /// For an incident worked against Prometheus, its range over the incident, read at close.
        public var measured: MeasuredSeries? = nil
        public var isEmpty: Bool { errorRate.isEmpty && requestRate.isEmpty && simulation == nil && measured == nil }
    }

    /// A metrics backend's error rate and traffic over the incident (the `probe` entry of
    /// `probe: range` recorded at close), with the queries that gave them.
    public struct MeasuredSeries: Sendable, Equatable {
        public struct Query: Sendable, Equatable {
            public var figure: String
            public var query: String
        }

        /// `prometheus:http://…`.
        public var source: String
        /// The entry it was read from.
        public var seq: Int
        /// Time between two points; each point covers the step before it.
        public var everySeconds: Int
        public var errorRate: [ChartPoint]
        public var requestRate: [ChartPoint]
        public var queries: [Query]
    }

    /// Requests that failed within the impact window, summed over a measured range.
    public struct MeasuredImpact: Sendable, Equatable {
        public var source: String
        public var failed: Double
        public var requests: Double
        public var window: ImpactWindow
        public var everySeconds: Int
        public var share: Double { requests > 0 ? failed / requests : 0 }
    }

    /// A drill's simulation sampled evenly over the incident.
    public struct SimulatedSeries: Sendable, Equatable {
        /// The scenario's id.
        public var scenario: String
        /// Time between two samples.
        public var everySeconds: Int
        /// The error rate over the minute before each sample, as fractions.
        public var errorRate: [ChartPoint]
        /// Requests per second at each sample.
        public var requestRate: [ChartPoint]
    }

    /// The Appendix's probe evidence.
    public struct Evidence: Sendable, Equatable {
        /// One table per probe kind, in order of first use.
        public var probes: [ProbeTable]
        public var chart: Chart
    }
}

/// Bounds that keep a postmortem readable however long the transcript.
public enum PostmortemLimits {
    /// Rows shown per probe evidence table; longer series are shown evenly spaced.
    public static let tableRows = 48
    /// Points per chart series; longer series keep the largest value of each interval.
    public static let chartPoints = 480
    /// A transcript longer than this has its numerous kinds' kept entries (notes, steps,
    /// reminders, updates, shell commands) put down while it is compiled
    /// and read again from the file as the postmortem is written: a few bytes each are held
    /// rather than the entries. Shorter ones, the usual incident and drill, hold them all.
    public static let heldTranscriptBytes = 64 << 20
}
