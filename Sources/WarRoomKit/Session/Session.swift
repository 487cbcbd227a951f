/// How `start` opens an incident.
public struct StartOptions: Sendable {
    public var title: String?
    public var severity: String?
    public var responder: String
    /// `nil`: virtual for a drill on a scenario, wall otherwise (SPEC §2).
    public var clockMode: ClockMode?
    /// `nil`: 1.
    public var speed: Double?
    /// `sim` (default) or `haproxy:ADDRESS`.
    public var target: String?
    public var transcriptsFolder: String
    /// Lets a piped script run `!` commands.
    public var allowShell: Bool
    public var playbook: String?
    public var scenario: String?
    /// Folders searched for playbook ids (and their `scenarios/` for scenario ids), in order.
    public var playbookFolders: [String]
    /// No playbook and no scenario, even by default.
    public var freeForm = false
    /// Writing up an incident after the fact (`start --from TIME`): the incident clock starts
    /// at this past instant, virtual, at speed 0; `at TIME` and `advance` move it.
    public var from: Instant?
    /// Where a virtual clock starts (default: the scenario's start, else now); `replay` uses
    /// the original session's start.
    public var virtualStart: Instant?
    /// Where the transcript is created: `nil` for a file in `transcriptsFolder`; a shared
    /// store (`start --store`) opens the incident as a room, and `close` then writes the
    /// export and the postmortem into `transcriptsFolder`.
    public var provider: (any IncidentStoreProvider)?

    public init(responder: String, transcriptsFolder: String) {
        self.responder = responder
        self.transcriptsFolder = transcriptsFolder
        allowShell = false
        playbookFolders = []
    }
}

/// Something to show above the prompt: a reminder, an alert, a change the target or another
/// responder made.
public struct Notice: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A playbook timer (status update due, a step overdue, an escalation rule's reminder).
        case reminder
        /// Monitoring fired or resolved an alert (the terminal rings its bell).
        case alert
        /// The load balancer changed by itself (a scenario event, a change made outside warroom).
        case change
        /// Another responder recorded something (a shared room).
        case entry
        /// The shared store went away or came back.
        case store
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }
}

/// What handling one line produced: text for stdout (reminders first), an error for stderr.
public struct Reply: Sendable, Equatable {
    /// Reminders and notices that fell due before the command ran (timers, alerts, events).
    public var notices: [Notice] = []
    public var output: String = ""
    public var error: String?
    /// The session ended (paused or closed).
    public var exit: Bool = false

    public init(notices: [Notice] = [], output: String = "", error: String? = nil, exit: Bool = false) {
        self.notices = notices
        self.output = output
        self.error = error
        self.exit = exit
    }
}

/// One terminal's session of an incident: takes command lines, records what they decided in
/// the transcript, and keeps the incident's state as a fold of what was recorded.
///
/// The incident (its state, its transcript) is shared by everyone working it; what belongs to
/// this terminal stays here: who is typing, the clock's view, what has been shown.
///
/// A reference type: it owns the transcript store and the clock for its lifetime.
public final class Session {
    /// The program version recorded in every `open` entry.
    public static let programVersion = "0.1.0"
    /// Longest line accepted; longer ones are refused (and the refusal recorded).
    public static let maximumLineBytes = 65_536

    /// Where the transcript lives.
    public let store: any TranscriptStore
    /// The transcript's location (a file path for the embedded store).
    public var path: String { store.location }
    /// The incident as folded from its transcript (with what the line being handled decided).
    public internal(set) var state: IncidentState
    public let clock: IncidentClock
    /// Who is typing in this terminal: `--as`, else `$WARROOM_USER`, else `$USER`; `as NAME`
    /// changes it for this terminal only.
    public internal(set) var responder: String
    /// The command table.
    public let commands: CommandTable
    /// Whether commands come from a person at a terminal (prompts for confirmation are possible).
    public var interactive = false
    /// Whether `!` commands may run from a piped script.
    public var allowShell = false
    /// Asks the responder to confirm a suggested command that changes something (set by the
    /// terminal front end).
    public var confirm: ((String) -> Bool)?
    /// Limits for `!` commands.
    public var shellLimits = ShellRunner.Limits()
    /// Commands that failed since the session started (a piped script exits 1 if any did).
    public private(set) var failures = 0
    /// Notices produced while handling a line, printed before its output.
    var pendingNotices: [Notice] = []
    /// The playbook guiding the session.
    public internal(set) var playbook: Playbook?
    /// The load balancer (simulation or real), its scenario for a drill, and the console over it.
    public internal(set) var target: (any LoadBalancerTarget)?
    public internal(set) var scenario: Scenario?
    /// Where playbook and scenario ids are looked up (the postmortem re-runs a drill's scenario).
    public internal(set) var playbookFolders: [String] = []
    /// The most incident time this drill may simulate (`SimulatedTarget.longestDrill`; tests lower it).
    var longestDrill = SimulatedTarget.longestDrill
    var console: LoadBalancerConsole?
    /// Monitoring's alert rules over a drill's simulation.
    var monitor: AlertMonitor?
    /// Timers, alerts and scenario events have been handled up to here.
    var caughtUpTo: Instant
    /// What resolving the playbook and scenario had to say when the session opened.
    var setupNotices: [String] = []
    /// The playbook's guidance to show when the session opens (its first or current step).
    public internal(set) var openingGuide: String?
    /// The line being handled; attached as `input` to the first entry it records.
    var currentInput: String?
    /// Entries decided (and folded into `state`) but not yet in the store.
    var staged: [TranscriptEntry] = []
    /// What warroom and monitoring found by themselves (alerts, scenario events) and has not
    /// yet seen recorded: kept across a retry so that nothing found is lost, and recorded once.
    var unrecorded: [Happening] = []
    /// Others' load balancer changes are applied to this shell's simulation up to this `seq`.
    var appliedThrough = 0
    /// What to do once the staged entries are in the store (a closed incident's postmortem).
    var afterCommit: [() -> String] = []
    /// The hash of the last entry in the store (the head the next commit continues).
    var lastCommittedHash: String
    /// This shell's id in a shared room (`data.shell` of its `join`, `as` and `leave`).
    public internal(set) var shell: Int?
    /// Where `close` writes the export and the postmortem of an incident in a shared store.
    public var localFolder: String?
    /// The shared store's connection as this shell knows it.
    var link = StoreLink()
    /// What a command that acted outside the record (a load balancer change, a system
    /// command, the clock) did while the store was unreachable: recorded first thing once it
    /// is back, so that a side effect is never lost, nor made twice.
    var owed: [TranscriptEntry] = []
    /// In a shared room, the state as recorded before the entries staged now (see `stage`).
    var committedState: IncidentState?
    /// This shell left the room (`quit`, or `leave(reason:)`).
    var hasLeft = false
    /// The `close` entry, when another shell closed the incident: this shell is done.
    public internal(set) var closedElsewhere: TranscriptEntry?
    /// The id the line being handled records its entries under (cleared once they are in, so
    /// that whatever the same line records afterwards goes in under ids of its own).
    var commandID: CommandID?
    /// The record up to this `seq` had been shown when the typist last looked at the load
    /// balancer's configuration (`CommandIntent.configurationSeenThrough`).
    var configurationSeenThrough: Int
    /// Lines whose commit was cut off by the store going away: whether they are recorded is
    /// asked by their command id once the store is back (`settleInDoubt`).
    var inDoubt: [(command: CommandID, line: String)] = []
    /// The command id of what is `owed`, so that recording it again records it once.
    var owedCommand: CommandID?
    /// What a responder entering a room is shown first (`RoomRecap`); `nil` outside a room.
    public internal(set) var recap: [String]?
    /// The time `--at TIME` gave the line being handled: what it records is stamped with it.
    var backdate: Instant?

    /// Commands whose entries may be stamped with an earlier time by `--at TIME` (writing up
    /// what happened, in order, after the fact); milestones have their own `mark --at`.
    static let backdatable: Set<String> = ["note", "hypothesis", "rule-out", "confirm", "escalate", "update", "action", "rootcause", "trigger", "impact"]

    init(store: any TranscriptStore, state: IncidentState, clock: IncidentClock, responder: String) {
        self.store = store
        self.state = state
        self.clock = clock
        self.responder = responder
        commands = CommandTable.standard
        caughtUpTo = state.lastAt
        lastCommittedHash = state.lastHash
        configurationSeenThrough = state.lastSeq
    }

    deinit { store.close() }

    /// The playbook engine over the incident as it stands, when the incident follows a playbook.
    public var progress: PlaybookProgress? {
        playbook.map { PlaybookProgress(playbook: $0, state: state) }
    }

    /// Whether appends are fsynced (benchmarks only turn this off).
    public var syncsToDisk: Bool {
        get { (store as? TranscriptWriter)?.syncsToDisk ?? true }
        set { (store as? TranscriptWriter)?.syncsToDisk = newValue }
    }

    /// The shared store this shell works in, when the incident is a room.
    var room: (any RoomStore)? {
        store.isShared ? store as? RoomStore : nil
    }

    // MARK: - Handling lines

    /// Handles one line typed by the responder (or read from a script).
    public func handle(_ line: String) -> Reply {
        pendingNotices = []
        let reply = execute(line)
        // Paused or closed: nothing more is written here, so the lock is let go at once.
        if reply.exit { store.close() }
        return reply
    }

    /// Runs one line; notices it produces go into its reply. `run` uses it for each suggestion.
    func execute(_ line: String) -> Reply {
        // A suggestion run by `run` comes after what `run` itself recorded.
        if !staged.isEmpty {
            do {
                try commit()
            } catch {
                failures += 1
                if let reason = Session.lostStoreReason(error) { storeLost(reason) }
                return Reply(error: CommandError.notRecorded(String(describing: error)).description)
            }
        }
        let noticeStart = pendingNotices.count
        let outerInput = currentInput
        defer { currentInput = outerInput }
        var reply = dispatch(line)
        reply.notices = Array(pendingNotices[noticeStart...])
        pendingNotices.removeSubrange(noticeStart...)
        return reply
    }

    private func dispatch(_ line: String) -> Reply {
        currentInput = nil
        var reply = Reply()
        if line.utf8.count > Session.maximumLineBytes {
            let message = "line too long (\(line.utf8.count) bytes; the limit is \(Session.maximumLineBytes)): split it into several notes"
            currentInput = String(line.prefix(200)) + "…"
            return fail(message, command: nil, reply: &reply)
        }
        let trimmed = line.trimmed(of: " \t\r")
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return reply }
        currentInput = trimmed
        if state.status == .closed {
            reply.exit = closedElsewhere != nil
            return fail("this incident is closed; nothing more can be recorded (start a new one with 'warroom start')", command: nil, reply: &reply)
        }
        if room != nil, !reconnectIfDue(now: true) {
            // Nothing is decided on a record this shell cannot see, and nothing is kept here
            // to be recorded later: the responder types it again once the store is back.
            failures += 1
            reply.error = Session.unreachableMessage(link.reason)
            return reply
        }
        let name: String
        var arguments: Arguments
        if trimmed.hasPrefix("!") {
            name = "!"
            arguments = Arguments(String(trimmed.dropFirst()))
        } else {
            let split = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? trimmed.endIndex
            name = trimmed[..<split].lowercased()
            arguments = Arguments(String(trimmed[split...]))
        }
        guard let command = commands.lookup(name) else {
            let suggestion = Suggest.closest(to: name, in: commands.allNames)
            let shown = name.count > 40 ? String(name.prefix(40)) + "…" : name
            return fail(CommandError.unknownCommand(shown, suggestion: suggestion).description, command: nil, reply: &reply)
        }
        var backdateText: String?
        if Session.backdatable.contains(command.name) {
            do {
                backdateText = try arguments.option("--at", usage: command.usage)
            } catch {
                return fail(String(describing: error), command: command.name, reply: &reply)
            }
        }
        defer { backdate = nil }
        // What the typist saw, before the record is read again; and the id the line's
        // entries go in under, however often they are sent.
        // (A file has one writer, so nothing is kept of what it saw: keeping it would copy the
        // state's collections on the command's first change.)
        let intent = CommandIntent(command: .random(), seen: store.isShared ? state : IncidentState(), configurationSeenThrough: configurationSeenThrough)
        let outerCommand = commandID
        commandID = intent.command
        defer { commandID = outerCommand }
        do {
            let output = try decideAndCommit(command, arguments: arguments, intent: intent, backdateText: backdateText)
            reply.output = output
            for finish in afterCommit {
                let more = finish()
                if !more.isEmpty { reply.output += (reply.output.isEmpty ? "" : "\n") + more }
            }
            afterCommit = []
        } catch TranscriptError.unreachable(_, let reason) {
            failures += 1
            discardStaged()
            storeLost(reason)
            reply.error = Session.unreachableMessage(reason)
        } catch TranscriptError.inDoubt(_, let reason, let id) {
            failures += 1
            discardStaged()
            storeLost(reason)
            inDoubt.append((id, trimmed))
            reply.error = "not known yet whether '\(Display.firstLine(trimmed, limit: 80))' was recorded: the store went away during the commit (\(reason)); warroom asks the store by the command's id once it is back and says which — do not type it again"
        } catch let refusal as IntentRefusal {
            discardStaged()
            if refusal.conflict["on"] == "configuration" { configurationSeenThrough = state.lastSeq }
            return fail(refusal.message, command: command.name, reply: &reply, data: ["conflict": .object(refusal.conflict)])
        } catch let error as RoomError {
            failures += 1
            discardStaged()
            if case .actedButUnrecorded(_, let output, let reason) = error {
                storeLost(reason)
                reply.output = output
            }
            reply.error = error.description
        } catch let error as TranscriptError {
            discardStaged()
            guard store.isShared, case .writeFailed = error else {
                failures += 1
                reply.error = CommandError.notRecorded(error.description).description
                return reply
            }
            // The store refused what the command decided (a room's database holds the entry
            // rules too): that it was refused, and why, still goes on the record.
            return fail(CommandError.notRecorded(error.description).description, command: command.name, reply: &reply)
        } catch {
            discardStaged()
            return fail(String(describing: error), command: command.name, reply: &reply)
        }
        reply.exit = exitRequested
        return reply
    }

    /// How many times a command is decided again when other shells keep recording first
    /// (holding the room's write lock, a try finds the head moved only when a shell that does
    /// not wait for the lock recorded first).
    static let maximumAttempts = 32

    /// Runs a command against the incident as it stands and records what it decided, under the
    /// line's command id. In a shared room the command is decided holding the room's write
    /// lock (`CommandSpec.locksRoom`: all but `!` and `run`; an `lb` change is applied under it
    /// too), after reading what the others recorded, and refused when what it depends on moved
    /// since its typist saw it (`intent`, `checkIntent`); so it is recorded at the head it was
    /// decided on. When another shell recorded first all the same (one that does not wait for
    /// the lock: a reminder while idle), the command is decided again on the new head (ids are
    /// taken afresh). A command that acts outside the record without the lock (`!`, `advance`)
    /// runs once: when the head moved, what it recorded goes after the new head as it was.
    private func decideAndCommit(_ command: CommandSpec, arguments original: Arguments, intent: CommandIntent, backdateText: String? = nil) throws -> String {
        var attempt = 0
        var rechain: (drafts: [TranscriptEntry], output: String)?
        var locked = false
        defer { if locked { room?.unlockWrites() } }
        if let room, command.locksRoom {
            try room.lockWrites()
            locked = true
        }
        // Every try records the line as typed (a decision made again keeps its input).
        let input = currentInput
        while true {
            attempt += 1
            currentInput = input
            let checkpoint = store.isShared ? state : nil
            let typing = responder
            let caughtUp = caughtUpTo
            let noticeCount = pendingNotices.count
            var output = ""
            var drafts: [TranscriptEntry] = []
            do {
                try refreshFromStore()
                if let close = closedElsewhere {
                    exitRequested = true
                    throw RoomError.closedElsewhere(by: close.by, at: close.at)
                }
                try catchUp()
                if let (again, decided) = rechain {
                    for draft in again { stageAgain(draft) }
                    output = decided
                } else {
                    // `--at TIME` is checked against the clock as the record has it now.
                    if let backdateText { backdate = try resolveBackdate(backdateText, usage: command.usage) }
                    if let dependency = command.dependsOn(original.words) {
                        try checkIntent(dependency, words: original.words, intent: intent)
                    }
                    var arguments = original
                    let before = staged.count
                    output = try command.run(self, &arguments)
                    if staged.count == before {
                        // Every typed line is on the record, also when it showed or changed nothing.
                        var data: JSONObject = ["command": .string(command.name)]
                        if !command.readOnly { data["effect"] = "none" }
                        try record(.command, text: command.readOnly ? "" : Display.firstLine(output, limit: 200), data: data)
                    }
                }
                drafts = staged
                try commit()
                if command.showsConfiguration(original.words) { configurationSeenThrough = state.lastSeq }
                return output
            } catch TranscriptError.headMoved where attempt < Session.maximumAttempts {
                // Someone else's entries came first: fold them and decide again.
                if let checkpoint { state = checkpoint }
                responder = typing
                caughtUpTo = caughtUp
                pendingNotices.removeSubrange(noticeCount...)
                afterCommit = []
                if command.actsOutside { rechain = (drafts.filter { !isAutomatic($0) }, output) }
                if !locked, let room {
                    try room.lockWrites()
                    locked = true
                }
            } catch {
                // What this try staged is dropped by the caller (`discardStaged`); what fell due
                // is found again by the next command. The line goes with the error entry.
                responder = typing
                caughtUpTo = caughtUp
                currentInput = input
                if let reason = Session.lostStoreReason(error), command.actsOutside, !drafts.isEmpty || rechain != nil {
                    // It acted already: it is recorded as soon as the store is back, under the
                    // same command id (once, if the cut-off commit took after all).
                    owed = (rechain?.drafts ?? drafts.filter { !isAutomatic($0) })
                    owedCommand = intent.command
                    throw RoomError.actedButUnrecorded(command: command.name, output: rechain?.output ?? output, reason: reason)
                }
                throw error
            }
        }
    }

    /// Whether warroom or monitoring found this entry by itself (a timer, an overdue step, an
    /// alert, a scenario event): such entries are found again on the new head, not carried over.
    func isAutomatic(_ entry: TranscriptEntry) -> Bool {
        if entry.by == IncidentState.automaticAuthor { return true }
        guard let key = entry.data["key"]?.stringValue else { return false }
        return unrecorded.contains { $0.key == key }
    }

    /// Records whatever fell due on the incident clock while nobody typed (the shell calls this
    /// while it waits for a key, about once a second, and at once when the store says another
    /// shell recorded something). In a shared room it also reads what the others recorded
    /// (when woken, and every 5 seconds in case a notification was lost), notices the store
    /// going away, and reconnects with a growing delay.
    /// - Returns: the reminders, alerts, others' entries and changes to show; a recording
    ///   failure is returned as a reminder too.
    public func tick() -> [Notice] {
        guard state.status == .open else { return [] }
        pendingNotices = []
        defer { pendingNotices = [] }
        var fetch = false
        if let room {
            guard reconnectIfDue(now: false) else { return pendingNotices }
            do {
                fetch = try room.takeWakeups() || link.fetchIsStale(at: clock.monotonicSeconds) || link.justReconnected
                link.justReconnected = false
            } catch TranscriptError.unreachable(_, let reason) {
                storeLost(reason)
                return pendingNotices
            } catch {
                return [Notice(.store, "cannot read the store: \(error)")]
            }
        }
        var attempt = 0
        var locked = false
        defer { if locked { room?.unlockWrites() } }
        if let room, let console, !(console.target is SimulatedTarget) {
            // A real load balancer is read for changes made outside warroom only holding the
            // lock and after the others' entries: a colleague's change applied a moment ago
            // is theirs, never found again as an outside change.
            guard (try? room.lockWrites()) != nil else { return pendingNotices }
            locked = true
            fetch = true
        }
        while true {
            attempt += 1
            let checkpoint = store.isShared ? state : nil
            let caughtUp = caughtUpTo
            let noticeCount = pendingNotices.count
            do {
                if fetch { try refreshFromStore() }
                guard state.status == .open else { return pendingNotices }
                try catchUp()
                try commit()
                return pendingNotices
            } catch TranscriptError.headMoved where attempt < Session.maximumAttempts {
                if let checkpoint { state = checkpoint }
                caughtUpTo = caughtUp
                pendingNotices.removeSubrange(noticeCount...)
                fetch = true
                if !locked, let room {
                    guard (try? room.lockWrites()) != nil else { return pendingNotices }
                    locked = true
                }
            } catch {
                discardStaged()
                caughtUpTo = caughtUp
                if let reason = Session.lostStoreReason(error) {
                    // What fell due is found again by its key once the store is back.
                    storeLost(reason)
                    return pendingNotices
                }
                return pendingNotices.filter { $0.kind == .entry || $0.kind == .store } + [Notice(.reminder, "could not record what fell due: \(error)")]
            }
        }
    }

    /// Set by `quit` and `close`.
    var exitRequested = false

    private func fail(_ message: String, command: String?, reply: inout Reply, data extra: JSONObject = [:]) -> Reply {
        failures += 1
        reply.error = message
        // Nothing goes on the record after its close (another shell may have closed it).
        guard closedElsewhere == nil else { return reply }
        var data: JSONObject = extra
        if let command { data["command"] = .string(command) }
        do {
            try record(.error, text: message, data: data)
            try commitAfterOthers()
        } catch {
            discardStaged()
            reply.error = message + " (and the error could not be recorded: \(error))"
        }
        return reply
    }

    /// Pauses the incident (Ctrl-D, end of a piped script): records `pause` unless it already
    /// ended, and lets the transcript go.
    public func pauseIfOpen(reason: String) {
        guard state.status == .open else { return }
        do {
            try record(.pause, text: "Paused: \(reason)", data: ["reason": .string(reason)])
            try commit()
        } catch {
            discardStaged()
        }
        // Nothing more is written here, so the lock is let go at once.
        store.close()
    }

    // MARK: - Prompt

    /// `03:52Z investigation/check-traffic +00:07 [04:00 page] > `: the incident clock, the
    /// phase and step, the time since the incident opened, and the next timer.
    public var prompt: String {
        let now = clock.now
        var position = state.currentPhase
        var timer = ""
        if let progress {
            let status = progress.status(at: now)
            position = status.phase ?? position
            if let step = status.stepID { position += "/\(step)" }
            if let next = status.nextTimer {
                let label = next.kind == .escalation ? "page" : next.kind == .statusUpdate ? "update" : "timebox"
                timer = " [\(next.due.clockMinutes.dropLast()) \(label)]"
            }
        } else if let step = state.step {
            position += "/\(step)"
        }
        let clockText = now.date != state.openedAt.date ? "\(now.date) \(now.clockMinutes)" : now.clockMinutes
        return "\(clockText) \(position) \(DurationText.elapsed(milliseconds: now - state.openedAt))\(timer) > "
    }

    static func validSeverity(_ text: String) throws -> String {
        let upper = text.uppercased()
        let normalized = upper.hasPrefix("SEV-") ? upper : upper.hasPrefix("SEV") ? "SEV-" + upper.dropFirst(3) : "SEV-" + upper
        guard ["SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5"].contains(normalized) else {
            throw CommandError.invalid("'\(text)' is not a severity; use SEV-1 (highest) … SEV-5")
        }
        return normalized
    }
}

extension Session {
    /// Refuses a responder name the transcript could not attribute entries to: one word, as
    /// the shell's `as NAME` takes it, with no control characters.
    static func checkResponder(_ name: String) throws {
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            throw StartError.invalid("the responder's name (--as, $WARROOM_USER or $USER) must be one word without control characters, as the shell's `as NAME` takes it, not '\(SafeText.printable(name))'")
        }
    }
}

/// Problems opening or resuming an incident.
public enum StartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--speed` is negative or not a number.
    case badSpeed(String)
    /// An option's value that cannot be used; the message says which and what to give.
    case invalid(String)
    /// The incident was closed; it cannot be resumed.
    case closed(path: String)
    /// An option that does not fit the others.
    case conflict(String)

    public var description: String {
        switch self {
        case .badSpeed(let text):
            return "--speed must be a number of simulated seconds per real second, \(Bounds.speed.range) (0 moves only on 'advance'), not '\(text)'"
        case .closed(let path):
            return "the incident in '\(path)' is closed; read it with 'warroom timeline \(path)' or 'warroom postmortem \(path)'"
        case .conflict(let message), .invalid(let message):
            return message
        }
    }
}
