/// One shell command, as data: name, aliases, usage, help, completion and what it does.
/// Help, completion and dispatch all read the same table (`CommandTable`).
public struct CommandSpec: Sendable {
    /// How commands are grouped in `help`.
    public enum Group: String, Sendable, CaseIterable {
        case record = "Record"
        case hypotheses = "Hypotheses and actions"
        case playbook = "Playbook"
        case loadBalancer = "Load balancer"
        case view = "View"
        case session = "Session"
        case facilitator = "Drill facilitator"
    }

    public var name: String
    public var aliases: [String]
    /// `mark MILESTONE [--at TIME] [TEXT]`
    public var usage: String
    /// One line for `help`.
    public var summary: String
    /// More for `help COMMAND` (examples, notes).
    public var details: String
    public var group: Group
    /// Options offered by completion.
    public var options: [String]
    /// Read-only commands are recorded as `command` entries; the rest record their own kinds.
    public var readOnly: Bool
    /// Whether the command, with these arguments (the words after its name), changes the
    /// incident or the world — the load balancer, a milestone, the severity, the clock, the
    /// playbook's position, the system — rather than only recording or showing something:
    /// `run` shows such a suggestion and runs it only once the responder confirms.
    public var changes: @Sendable ([String]) -> Bool
    /// Whether running the command again would act twice outside the record (a load balancer
    /// change, the clock, a system command): when another shell recorded first, its entries
    /// are recorded after the new head as decided, not decided again.
    public var actsOutside: Bool
    /// Whether, in a shared room, the command is decided and its effect made holding the
    /// room's write lock (all but `!` and `run`, whose effects may take long): an `lb` change
    /// is applied in record order, after everything recorded before it.
    public var locksRoom: Bool
    /// Whether `run` may run the command as a step's suggestion and `replay` runs it again:
    /// not `quit` and `close` (they end the session) nor `run` (it runs others, which are
    /// recorded one by one).
    public var runnable: Bool
    /// What the command, with these arguments, depends on as its typist saw it (`Dependency`):
    /// when someone else moved it since, the command is refused and nothing changes.
    public var dependsOn: @Sendable ([String]) -> Dependency?
    /// Whether the command, with these arguments, shows the load balancer's configuration
    /// (`lb show`, `probe config`, one's own `lb` change): what an `lb` change is then decided
    /// against.
    public var showsConfiguration: @Sendable ([String]) -> Bool
    /// Candidates for the next word, given the words typed so far after the command name.
    public var complete: @Sendable (Session, [String]) -> [String]
    /// Runs the command.
    /// - Returns: the text to print.
    public var run: @Sendable (Session, inout Arguments) throws -> String
    /// For a command that only records: decides it over a context alone (no store, no load
    /// balancer). `run` calls it with the session; a `Drafting` gets the decision as values.
    var decide: (@Sendable (any CommandContext, inout Arguments) throws -> String)?

    public init(
        _ name: String, aliases: [String] = [], usage: String, summary: String, details: String = "", group: Group,
        options: [String] = [], readOnly: Bool = false, changes: @escaping @Sendable ([String]) -> Bool = { _ in false }, actsOutside: Bool = false,
        locksRoom: Bool? = nil, runnable: Bool = true, dependsOn: @escaping @Sendable ([String]) -> Dependency? = { _ in nil },
        showsConfiguration: @escaping @Sendable ([String]) -> Bool = { _ in false },
        complete: @escaping @Sendable (Session, [String]) -> [String] = { _, _ in [] },
        run: @escaping @Sendable (Session, inout Arguments) throws -> String
    ) {
        self.name = name
        self.aliases = aliases
        self.usage = usage
        self.summary = summary
        self.details = details
        self.group = group
        self.options = options
        self.readOnly = readOnly
        self.changes = changes
        self.actsOutside = actsOutside
        self.locksRoom = locksRoom ?? !actsOutside
        self.runnable = runnable
        self.dependsOn = dependsOn
        self.showsConfiguration = showsConfiguration
        self.complete = complete
        self.run = run
    }

    /// A command that only records: it decides over any `CommandContext` (see `decide`).
    init(
        _ name: String, aliases: [String] = [], usage: String, summary: String, details: String = "", group: Group,
        options: [String] = [], readOnly: Bool = false, changes: @escaping @Sendable ([String]) -> Bool = { _ in false },
        dependsOn: @escaping @Sendable ([String]) -> Dependency? = { _ in nil },
        complete: @escaping @Sendable (Session, [String]) -> [String] = { _, _ in [] },
        decide: @escaping @Sendable (any CommandContext, inout Arguments) throws -> String
    ) {
        self.init(name, aliases: aliases, usage: usage, summary: summary, details: details, group: group, options: options, readOnly: readOnly, changes: changes,
                  dependsOn: dependsOn, complete: complete, run: { session, arguments in try decide(session, &arguments) })
        self.decide = decide
    }

    /// The name and its aliases.
    public var allNames: [String] { [name] + aliases }
}
