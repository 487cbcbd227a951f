/// What the front end allows and asks of one terminal.
public struct TerminalOptions {
    /// Whether commands come from a person at a terminal (prompts for confirmation are possible).
    public var interactive = false
    /// Whether `!` commands may run from a piped script.
    public var allowShell = false
    /// Asks the responder to confirm a suggested command that changes something.
    public var confirm: ((String) -> Bool)?
    /// Limits for `!` commands.
    public var shellLimits = ShellRunner.Limits()
    /// Where `close` writes the export and the postmortem of an incident in a shared store.
    public var localFolder: String?

    public init() {}
}

/// What the incident is worked with: the playbook, the load balancer and, for a drill, its
/// scenario and monitoring.
struct Instruments {
    var playbook: Playbook?
    /// The load balancer (simulation or real), and the console over it.
    var target: (any LoadBalancerTarget)?
    var console: LoadBalancerConsole?
    var scenario: Scenario?
    /// Monitoring's alert rules over a drill's simulation.
    var monitor: AlertMonitor?
    /// The probes read from Prometheus (`--metrics`), beside or instead of the load balancer's own.
    var metrics: PrometheusProbes?
    /// Where playbook and scenario ids are looked up (the postmortem re-runs a drill's scenario).
    var playbookFolders: [String] = []
    /// The most incident time this drill may simulate (`SimulatedTarget.longestDrill`; tests lower it).
    var longestDrill = SimulatedTarget.longestDrill
    /// Where notifications go (`--notify`), and the sender delivering them.
    var notifier: NotificationSender?
    /// Notifications recorded by a commit whose answer was lost are to be looked for.
    var takeOverDue = false
    /// What resolving the playbook and scenario had to say when the session opened.
    var setupNotices: [String] = []
    /// The playbook's guidance to show when the session opens (its first or current step).
    var openingGuide: String?
}

/// What a command does outside the record, as a value: run once its decision is committed.
public enum Effect: Sendable {
    /// The shell stops counting in the room (`quit` in a room, once its `leave` is recorded).
    case leaveRoom(shell: Int)
    /// The postmortem is compiled and written (`close`, once the close is recorded).
    case writePostmortem
    /// The session ends after this line (`quit`, `close`).
    case endSession
    /// These notifications (their `notify` entries' seqs) are sent (docs/NOTIFY.md).
    case deliver([Int])
}

/// The line being handled, and what this terminal has shown and been told.
struct LineInProgress {
    /// The line as typed; attached as `input` to the first entry it records.
    var input: String?
    /// The time `--at TIME` gave the line: what it records is stamped with it.
    var backdate: Instant?
    /// Notices produced while handling the line, printed before its output.
    var notices: [Notice] = []
    /// What the line does once its entries are in the store.
    var effects: [Effect] = []
    /// Prometheus's range over the incident, read once for the line that closes it: a close
    /// decided again after another shell recorded first does not ask Prometheus again.
    var incidentRange: (text: String, data: JSONObject)?
    /// The line ends the session (`quit`, `close`, a close by another shell).
    var exit = false
    /// Commands that failed since the session started (a piped script exits 1 if any did).
    var failures = 0
}

/// What warroom and monitoring find by themselves, and how far they have looked.
struct Automation {
    /// Timers, alerts and scenario events have been handled up to here.
    var caughtUpTo: Instant
    /// Found and not yet seen recorded: kept across a retry so that nothing found is lost, and
    /// recorded once.
    var unrecorded: [Session.Happening] = []
    /// Others' load balancer changes are applied to this shell's simulation up to this `seq`.
    var appliedThrough: Int
    /// When this shell last looked for notifications nobody is delivering (monotonic seconds).
    var lastTakeOver = 0.0
}

/// One shell's part in a shared room.
struct ShellInRoom {
    /// This shell's id in the room (`data.shell` of its `join`, `as` and `leave`).
    var id: Int?
    /// The shared store's connection as this shell knows it.
    var link = StoreLink()
    /// What a command that acted outside the record (a load balancer change, a system command,
    /// the clock) did while the store was unreachable: recorded first thing once it is back,
    /// under `owedCommand`, so that a side effect is never lost, nor made twice.
    var owed: [TranscriptEntry] = []
    var owedCommand: CommandID?
    /// Lines whose commit was cut off by the store going away: whether they are recorded is
    /// asked by their command id once the store is back (`settleInDoubt`).
    var inDoubt: [(command: CommandID, line: String)] = []
    /// This shell left the room (`quit`, or `leave(reason:)`).
    var hasLeft = false
    /// The `close` entry, when another shell closed the incident.
    var closedElsewhere: TranscriptEntry?
    /// What a responder entering the room is shown first (`RoomRecap`).
    var recap: [String]?
    /// The record up to this `seq` had been shown when the typist last looked at the load
    /// balancer's configuration (`CommandIntent.configurationSeenThrough`).
    var configurationSeenThrough: Int
}
