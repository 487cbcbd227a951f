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
    /// The metrics backend the probes read (`prometheus:http://…`, without credentials), when
    /// one is given: recorded in the `open` entry; the probes are attached with `attachMetrics`.
    public var metrics: String?
    /// The metrics map's origin (a file's path, or the built-in map's name).
    public var metricsMap: String?
    /// The Alertmanager notification the incident is opened from (`start --alert`, `intake`):
    /// its alerts and `detected` are recorded before the playbook's first step begins.
    public var alerts: AlertmanagerPayload?
    /// Opened by `warroom intake`, which records and lets go: it does not enter a room.
    public var alertService = false
    /// `warroom drill host`: the responder opening the drill is its facilitator.
    public var hostsDrill = false

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
        /// A notification was delivered, or an attempt failed and another follows.
        case notification
        /// A notification's last attempt failed: it was not delivered.
        case undelivered
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
public final class Session: CommandContext {
    /// The program version recorded in every `open` entry.
    public static let programVersion = "0.1.0"
    /// Longest line accepted; longer ones are refused (and the refusal recorded).
    public static let maximumLineBytes = 65_536

    /// The record as this shell holds it, and the one path that commits to it.
    let recorder: IncidentRecorder
    public let clock: IncidentClock
    /// Who is typing in this terminal: `--as`, else `$WARROOM_USER`, else `$USER`; `as NAME`
    /// changes it for this terminal only.
    public internal(set) var responder: String
    /// What the front end allows and asks of this terminal.
    public var options = TerminalOptions()
    /// The playbook, the load balancer and, for a drill, its scenario and monitoring.
    var instruments = Instruments()
    /// The line being handled: what was typed, what it has to show and do once committed.
    var line = LineInProgress()
    /// What warroom finds by itself (timers, alerts, scenario events), and how far.
    var automation: Automation
    /// This shell's part in a shared room (nothing of it is used for a file).
    var roomShell: ShellInRoom

    /// Who types in this terminal from now on (`as NAME`); the incident's roles are unchanged.
    public func typeAs(_ name: String) {
        responder = name
    }

    /// Commands whose entries may be stamped with an earlier time by `--at TIME` (writing up
    /// what happened, in order, after the fact); milestones have their own `mark --at`.
    static let backdatable: Set<String> = ["note", "hypothesis", "rule-out", "confirm", "escalate", "update", "action", "rootcause", "trigger", "impact"]

    init(store: any TranscriptStore, state: IncidentState, clock: IncidentClock, responder: String) {
        recorder = IncidentRecorder(store: store, state: state)
        self.clock = clock
        self.responder = responder
        automation = Automation(caughtUpTo: state.lastAt, appliedThrough: 0)
        roomShell = ShellInRoom(configurationSeenThrough: state.lastSeq)
    }

    deinit { store.close() }

    // MARK: - What the session holds, by concern

    /// Where the transcript lives.
    public var store: any TranscriptStore { recorder.store }
    /// The transcript's location (a file path for the embedded store).
    public var path: String { store.location }
    /// The incident as folded from its transcript (with what the line being handled decided).
    public var state: IncidentState { recorder.state }
    /// The command table.
    public var commands: CommandTable { .standard }
    /// Whether commands come from a person at a terminal (prompts for confirmation are possible).
    public var interactive: Bool {
        get { options.interactive }
        set { options.interactive = newValue }
    }
    /// Whether `!` commands may run from a piped script.
    public var allowShell: Bool {
        get { options.allowShell }
        set { options.allowShell = newValue }
    }
    /// Asks the responder to confirm a suggested command that changes something.
    public var confirm: ((String) -> Bool)? {
        get { options.confirm }
        set { options.confirm = newValue }
    }
    /// Limits for `!` commands.
    public var shellLimits: ShellRunner.Limits {
        get { options.shellLimits }
        set { options.shellLimits = newValue }
    }
    /// Where `close` writes the export and the postmortem of an incident in a shared store.
    public var localFolder: String? {
        get { options.localFolder }
        set { options.localFolder = newValue }
    }
    /// Commands that failed since the session started (a piped script exits 1 if any did).
    public var failures: Int { line.failures }
    /// The playbook guiding the session.
    public var playbook: Playbook? { instruments.playbook }
    /// The load balancer (simulation or real).
    public var target: (any LoadBalancerTarget)? { instruments.target }
    /// A drill's scenario.
    public var scenario: Scenario? { instruments.scenario }
    /// Where playbook and scenario ids are looked up (the postmortem re-runs a drill's scenario).
    public var playbookFolders: [String] { instruments.playbookFolders }
    /// The console over the load balancer, once it has been read.
    public var console: LoadBalancerConsole? { instruments.console }
    /// The playbook's guidance to show when the session opens (its first or current step).
    public var openingGuide: String? { instruments.openingGuide }
    /// This shell's id in a shared room (`data.shell` of its `join`, `as` and `leave`).
    public var shell: Int? { roomShell.id }
    /// The `close` entry, when another shell closed the incident: this shell is done.
    public var closedElsewhere: TranscriptEntry? { roomShell.closedElsewhere }
    /// What a responder entering a room is shown first (`RoomRecap`); `nil` outside a room.
    public var recap: [String]? { roomShell.recap }


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
    public func handle(_ typed: String) -> Reply {
        line.notices = []
        let reply = execute(typed)
        // Paused or closed: nothing more is written here, so the lock is let go at once.
        if reply.exit { store.close() }
        return reply
    }

    /// Runs one line; notices it produces go into its reply. `run` uses it for each suggestion.
    func execute(_ typed: String) -> Reply {
        // A suggestion run by `run` comes after what `run` itself recorded.
        if !recorder.staged.isEmpty {
            do {
                try recorder.commitStaged()
            } catch {
                line.failures += 1
                if let reason = Session.lostStoreReason(error) { storeLost(reason) }
                return Reply(error: CommandError.notRecorded(String(describing: error)).description)
            }
        }
        let noticeStart = line.notices.count
        let outerInput = line.input
        defer { line.input = outerInput }
        var reply = dispatch(typed)
        reply.notices = Array(line.notices[noticeStart...])
        line.notices.removeSubrange(noticeStart...)
        return reply
    }

    private func dispatch(_ typed: String) -> Reply {
        line.input = nil
        var reply = Reply()
        if typed.utf8.count > Session.maximumLineBytes {
            let message = "line too long (\(typed.utf8.count) bytes; the limit is \(Session.maximumLineBytes)): split it into several notes"
            line.input = String(typed.prefix(200)) + "…"
            return fail(message, command: nil, reply: &reply)
        }
        let trimmed = typed.trimmed(of: " \t\r")
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return reply }
        line.input = trimmed
        if state.status == .closed {
            reply.exit = closedElsewhere != nil
            return fail("this incident is closed; nothing more can be recorded (start a new one with 'warroom start')", command: nil, reply: &reply)
        }
        if room != nil, !reconnectIfDue(now: true) {
            // Nothing is decided on a record this shell cannot see, and nothing is kept here
            // to be recorded later: the responder types it again once the store is back.
            line.failures += 1
            reply.error = Session.unreachableMessage(roomShell.link.reason)
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
        defer {
            line.backdate = nil
            line.incidentRange = nil
        }
        // What the typist saw, before the record is read again; and the id the line's
        // entries go in under, however often they are sent.
        // (A file has one writer, so nothing is kept of what it saw: keeping it would copy the
        // state's collections on the command's first change.)
        let intent = CommandIntent(command: .random(), seen: store.isShared ? state : IncidentState(), configurationSeenThrough: roomShell.configurationSeenThrough)
        let outerCommand = recorder.commandID
        recorder.commandID = intent.command
        defer { recorder.commandID = outerCommand }
        do {
            reply.output = try decideAndCommit(command, arguments: arguments, intent: intent, backdateText: backdateText)
            for effect in line.effects {
                let more = perform(effect)
                if !more.isEmpty { reply.output += (reply.output.isEmpty ? "" : "\n") + more }
            }
            line.effects = []
        } catch TranscriptError.unreachable(_, let reason) {
            line.failures += 1
            discardStaged()
            storeLost(reason)
            reply.error = Session.unreachableMessage(reason)
        } catch TranscriptError.inDoubt(_, let reason, let id) {
            line.failures += 1
            discardStaged()
            storeLost(reason)
            roomShell.inDoubt.append((id, trimmed))
            reply.error = "not known yet whether '\(Display.firstLine(trimmed, limit: 80))' was recorded: the store went away during the commit (\(reason)); warroom asks the store by the command's id once it is back and says which — do not type it again"
        } catch let refusal as IntentRefusal {
            discardStaged()
            if refusal.conflict["on"] == "configuration" { roomShell.configurationSeenThrough = state.lastSeq }
            return fail(refusal.message, command: command.name, reply: &reply, data: ["conflict": .object(refusal.conflict)])
        } catch let error as RoomError {
            line.failures += 1
            discardStaged()
            if case .actedButUnrecorded(_, let output, let reason) = error {
                storeLost(reason)
                reply.output = output
            }
            reply.error = error.description
        } catch let error as TranscriptError {
            discardStaged()
            guard store.isShared, case .writeFailed = error else {
                line.failures += 1
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
        reply.exit = line.exit
        // A `quit` that was not recorded leaves the shell working: its notifications go on.
        if command.name == "quit", !reply.exit { notifier?.resumeSending() }
        return reply
    }

    /// Runs a command against the incident as it stands and records what it decided, under the
    /// line's command id, through the recorder's one commit path. In a shared room the command
    /// is decided holding the room's write lock (`CommandSpec.locksRoom`: all but `!` and `run`;
    /// an `lb` change is applied under it too), after reading what the others recorded, and
    /// refused when what it depends on moved since its typist saw it (`intent`, `checkIntent`);
    /// so it is recorded at the head it was decided on. When another shell recorded first all
    /// the same (one that does not wait for the lock: a reminder while idle), the command is
    /// decided again on the new head. A command that acts outside the record without the lock
    /// (`!`, `advance`) runs once: when the head moved, what it recorded goes after the new
    /// head as it was.
    private func decideAndCommit(_ command: CommandSpec, arguments original: Arguments, intent: CommandIntent, backdateText: String?) throws -> String {
        var rechain: (drafts: [TranscriptEntry], output: String)?
        var drafts: [TranscriptEntry] = []
        var output = ""
        // Every try records the line as typed (a decision made again keeps its input), by the
        // responder typing when it was entered.
        let input = line.input
        let typing = responder
        let caughtUp = automation.caughtUpTo
        let noticeCount = line.notices.count
        do {
            let decided = try recorder.commit(lock: command.locksRoom, decide: { _ in
                line.input = input
                output = ""
                drafts = []
                try refreshFromStore()
                if let close = closedElsewhere {
                    line.exit = true
                    throw RoomError.closedElsewhere(by: close.by, at: close.at)
                }
                try catchUp()
                if let (again, decided) = rechain {
                    for draft in again { recorder.stage(draft) }
                    output = decided
                } else {
                    // `--at TIME` is checked against the clock as the record has it now.
                    if let backdateText { line.backdate = try resolveBackdate(backdateText, usage: command.usage) }
                    if let dependency = command.dependsOn(original.words) {
                        try checkIntent(dependency, words: original.words, intent: intent)
                    }
                    var arguments = original
                    let before = recorder.staged.count
                    output = try command.run(self, &arguments)
                    stageNotifications(since: before)
                    if recorder.staged.count == before {
                        // Every typed line is on the record, also when it showed or changed nothing.
                        var data: JSONObject = ["command": .string(command.name)]
                        if !command.readOnly { data["effect"] = "none" }
                        try record(.command, text: command.readOnly ? "" : Display.firstLine(output, limit: 200), data: data)
                    }
                }
                drafts = recorder.staged
                return output
            }, headMoved: {
                // Someone else's entries came first: fold them and decide again.
                responder = typing
                automation.caughtUpTo = caughtUp
                line.notices.removeSubrange(noticeCount...)
                line.effects = []
                if command.actsOutside { rechain = (drafts.filter { !isAutomatic($0) }, output) }
            })
            if command.showsConfiguration(original.words) { roomShell.configurationSeenThrough = state.lastSeq }
            return decided
        } catch {
            // What this try staged is dropped by the caller (`discardStaged`); what fell due
            // is found again by the next command. The line goes with the error entry.
            responder = typing
            automation.caughtUpTo = caughtUp
            line.input = input
            if let reason = Session.lostStoreReason(error), command.actsOutside, !drafts.isEmpty || rechain != nil {
                // It acted already: it is recorded as soon as the store is back, under the
                // same command id (once, if the cut-off commit took after all).
                roomShell.owed = (rechain?.drafts ?? drafts.filter { !isAutomatic($0) })
                roomShell.owedCommand = intent.command
                throw RoomError.actedButUnrecorded(command: command.name, output: rechain?.output ?? output, reason: reason)
            }
            throw error
        }
    }

    /// What the line being handled does outside the record once its decision is committed
    /// (nothing, if it is not).
    public func then(_ effect: Effect) {
        line.effects.append(effect)
    }

    /// Runs what a command does outside the record, once its decision is committed.
    /// - Returns: what to add to the command's output.
    private func perform(_ effect: Effect) -> String {
        switch effect {
        case .leaveRoom(let shell):
            roomShell.hasLeft = true
            room?.leaveRoom(shell: shell)
            return ""
        case .writePostmortem:
            return (recordDeliveriesAfterClose(waiting: Session.closeDeliveryWait) + writePostmortemOnClose()).joined(separator: "\n")
        case .endSession:
            line.exit = true
            return ""
        case .deliver(let seqs):
            return deliver(seqs)
        }
    }

    /// Whether warroom or monitoring found this entry by itself (a timer, an overdue step, an
    /// alert, a scenario event): such entries are found again on the new head, not carried over.
    func isAutomatic(_ entry: TranscriptEntry) -> Bool {
        if entry.by == IncidentState.automaticAuthor { return true }
        guard let key = entry.data["key"]?.stringValue else { return false }
        return automation.unrecorded.contains { $0.key == key }
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
        line.notices = []
        defer { line.notices = [] }
        var fetch = false
        if let room {
            guard reconnectIfDue(now: false) else { return line.notices }
            do {
                fetch = try room.takeWakeups() || roomShell.link.fetchIsStale(at: clock.monotonicSeconds) || roomShell.link.justReconnected
                roomShell.link.justReconnected = false
            } catch TranscriptError.unreachable(_, let reason) {
                storeLost(reason)
                return line.notices
            } catch {
                return [Notice(.store, "cannot read the store: \(error)")]
            }
        }
        // A real load balancer is read for changes made outside warroom only holding the lock
        // and after the others' entries: a colleague's change applied a moment ago is theirs,
        // never found again as an outside change.
        let readsARealTarget = room != nil && console.map { !($0.target is SimulatedTarget) } == true
        if readsARealTarget { fetch = true }
        let caughtUp = automation.caughtUpTo
        var noticeCount = line.notices.count
        do {
            try recorder.commit(lock: readsARealTarget, decide: { _ in
                noticeCount = line.notices.count
                if fetch { try refreshFromStore() }
                guard state.status == .open else { return }
                try catchUp()
            }, headMoved: {
                automation.caughtUpTo = caughtUp
                line.notices.removeSubrange(noticeCount...)
                fetch = true
            })
            // Now and then (and at once after a commit found recorded late): notifications whose
            // shell has gone, or this shell's own that it is not sending, are taken over.
            let now = clock.monotonicSeconds
            if notifier != nil, pendingTakeOver || now - automation.lastTakeOver >= Session.takeOverInterval {
                automation.lastTakeOver = now
                pendingTakeOver = false
                line.notices += takeOverNotifications().map { Notice(.notification, $0) }
            }
            return line.notices
        } catch {
            discardStaged()
            automation.caughtUpTo = caughtUp
            if let reason = Session.lostStoreReason(error) {
                // What fell due is found again by its key once the store is back.
                storeLost(reason)
                return line.notices
            }
            return line.notices.filter { $0.kind == .entry || $0.kind == .store } + [Notice(.reminder, "could not record what fell due: \(error)")]
        }
    }

    /// Commits what is staged (entries that only say who came or went, an error, what was owed);
    /// when another shell recorded first, folds its entries and records these after them.
    func commitAfterOthers() throws {
        let drafts = recorder.staged
        try recorder.commit(lock: false, decide: { attempt in
            guard attempt > 1 else { return }
            try refreshFromStore()
            // Nothing goes on the record after its close (another shell closed it meanwhile).
            guard state.status != .closed else { return }
            for draft in drafts { recorder.stage(draft) }
        })
    }

    private func fail(_ message: String, command: String?, reply: inout Reply, data extra: JSONObject = [:]) -> Reply {
        line.failures += 1
        reply.error = message
        // Nothing goes on the record after its close (another shell may have closed it).
        guard closedElsewhere == nil else { return reply }
        var data: JSONObject = extra
        if let command { data["command"] = .string(command) }
        // A facilitator's mistyped whisper or inject stays the facilitator's.
        let kind: EntryKind = command.flatMap { commands.lookup($0)?.group } == .facilitator && isFacilitator ? .facilitatorOnly : .error
        if kind == .facilitatorOnly { data["private"] = "error" }
        do {
            try record(kind, text: message, data: data)
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
        settleDeliveries(waiting: Session.leaveDeliveryWait)
        do {
            stageCollectedDeliveries()
            try record(.pause, text: "Paused: \(reason)", data: ["reason": .string(reason)])
            try recorder.commitStaged()
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
