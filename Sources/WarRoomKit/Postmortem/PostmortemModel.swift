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
    /// Timed events chosen for a reader, in order of when they took effect.
    public var timeline: [TimelineItem]
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
        /// The largest `users_affected` a probe recorded.
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
        public var impactNotes: [String]
        /// Share of users affected, 0…1.
        public var usersAffected: Double?
        public var usersAffectedSource: UsersAffectedSource?
        /// The root cause in one paragraph: the `rootcause` statement, else the confirmed hypotheses.
        public var rootCause: String?
        public var trigger: String?
        /// How the incident was mitigated and resolved, in a sentence or two.
        public var resolution: String?
        /// The summary given to `close`.
        public var closingSummary: String?
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
        public var triggerNotes: [String]
        public var mitigatedAt: Instant?
        /// The text given when `mitigated` was marked.
        public var mitigation: String?
        public var resolvedAt: Instant?
        /// The text given when `resolved` was marked.
        public var resolutionText: String?
        /// Action items of type `mitigate`.
        public var mitigationActions: [Task]
        public var configChanges: [ConfigChange]
        /// The milestone the comparisons are made around (`mitigated`, else `resolved`).
        public var pivotMilestone: String?
        public var pivot: Instant?
        public var comparisons: [Comparison]
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

        /// The measurement named `name` (e.g. `time_to_mitigate`), in milliseconds.
        public func value(_ name: String) -> Int64? {
            measurements.first { $0.name == name }?.value
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
        public var wentWell: [Lesson]
        public var wentWrong: [Lesson]
        public var lucky: [Lesson]
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
        public var label: String
        public var at: Instant
    }

    /// Error rate and traffic over the incident, with the milestones marked.
    public struct Chart: Sendable, Equatable {
        /// `errors.error_rate`, as fractions: what the responders' probes read.
        public var errorRate: [ChartPoint]
        /// `traffic.request_rate`, in requests per second.
        public var requestRate: [ChartPoint]
        public var markers: [ChartMarker]
        /// For a drill, the simulation re-run from the transcript: what monitoring would have
        /// shown between the probes. Nil for other incidents and when it cannot be re-run.
        public var simulation: SimulatedSeries? = nil
        /// Why a drill's simulation was not re-run (its scenario file is missing or changed).
        public var simulationNote: String? = nil
        public var isEmpty: Bool { errorRate.isEmpty && requestRate.isEmpty && simulation == nil }
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
    /// Probe results cited per decision.
    public static let citationsPerDecision = 3
}
