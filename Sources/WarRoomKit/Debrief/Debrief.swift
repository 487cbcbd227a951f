/// A drill's debrief (`warroom debrief`, docs/DRILLS.md): the team's record against what the
/// scenario's facilitator knew — par for detection, mitigation and resolution, the misleading
/// paths and the probe that rules each out, the probe that confirms the cause and the fix —
/// and the playbook's steps, who did what, and how quickly someone reacted to each thing that
/// happened to the team. Compiled from the record alone, like the postmortem.
public struct Debrief: Sendable {
    /// One of the team's times against par.
    public struct Time: Sendable {
        /// `detect`, `mitigate`, `resolve`.
        public var name: String
        /// When the team marked it (`nil`: never).
        public var at: Instant?
        public var par: Int64?
        /// Milliseconds after the trigger.
        public var afterTrigger: Int64?
        /// Over par (positive) or under (negative).
        public var againstPar: Int64? {
            guard let afterTrigger, let par else { return nil }
            return afterTrigger - par
        }
    }

    /// A misleading path of the plan, as the team walked it (or did not).
    public struct Path: Sendable {
        public var name: String
        public var ruledOutBy: String
        public var why: String?
        /// The team's hypotheses on this path.
        public var hypotheses: [Hypothesis]
        /// The first was raised; the last was ruled out (or confirmed, or is still open).
        public var raisedAt: Instant?
        public var settledAt: Instant?
        /// Raised → ruled out (or → the end of the record, when never settled).
        public var spent: Int64?
        /// The first run of the ruling-out probe after the path was raised.
        public var probeRunAt: Instant?
        /// How much sooner it could have been ruled out: from that run to when it was.
        public var couldHaveSaved: Int64? {
            guard let probeRunAt, let settledAt, settledAt > probeRunAt else { return nil }
            return settledAt - probeRunAt
        }
    }

    /// Something that happened to the team (an alert, a scenario event, an inject), and the
    /// first thing a person recorded after it.
    public struct Happening: Sendable {
        public var at: Instant
        public var what: String
        public var reaction: (at: Instant, by: String, text: String)?
    }

    /// What one person recorded.
    public struct Person: Sendable {
        public var name: String
        /// Database logins the entries were appended under (a room), when they differ from the name.
        public var logins: [String]
        public var commands = 0
        public var probes = 0
        public var changes = 0
        public var notes = 0
        public var hypotheses = 0
        public var first: Instant
        public var last: Instant
    }

    public var incident: String
    public var title: String
    public var scenario: String
    public var transcriptFile: String
    public var entryCount: Int
    public var finalHash: String
    /// When the drill broke.
    public var trigger: Instant
    public var firstAlert: AlertRecord?
    public var times: [Time]
    public var paths: [Path]
    /// Hypotheses on no path of the plan (other ideas the team had).
    public var otherHypotheses: [Hypothesis]
    public var confirm: (command: String, firstRun: Instant?)?
    public var fix: (commands: [String], firstAt: Instant?, text: String?)
    public var stepsDone: [String]
    public var stepsSkipped: [String]
    public var stepsOverdue: [String]
    public var people: [Person]
    public var happenings: [Happening]
    /// The record's last entry: where an unsettled path's time stops.
    public var end: Instant
    /// What `--check` reports: a plan with no par, a time never marked …
    public var findings: [String]
}
