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
    /// Where a virtual clock starts (default: the scenario's start, else now); `replay` uses
    /// the original session's start.
    public var virtualStart: Instant?

    public init(responder: String, transcriptsFolder: String) {
        self.responder = responder
        self.transcriptsFolder = transcriptsFolder
        allowShell = false
        playbookFolders = []
    }
}

/// What handling one line produced: text for stdout (reminders first), an error for stderr.
public struct Reply: Sendable, Equatable {
    /// Reminders and notices that fired before the command ran (timers).
    public var notices: [String] = []
    public var output: String = ""
    public var error: String?
    /// The session ended (paused or closed).
    public var exit: Bool = false

    public init(notices: [String] = [], output: String = "", error: String? = nil, exit: Bool = false) {
        self.notices = notices
        self.output = output
        self.error = error
        self.exit = exit
    }
}

/// An open incident: takes command lines, records what they did in the transcript, and keeps
/// the incident's state as a fold of what it recorded.
///
/// A reference type: it owns the transcript writer and the clock for its lifetime.
public final class Session {
    /// The program version recorded in every `open` entry.
    public static let programVersion = "0.1.0"
    /// Longest line accepted; longer ones are refused (and the refusal recorded).
    public static let maximumLineBytes = 65_536

    public let path: String
    public private(set) var state: IncidentState
    public let clock: IncidentClock
    let writer: TranscriptWriter
    /// The command table.
    public let commands: CommandTable
    /// Whether commands come from a person at a terminal (prompts for confirmation are possible).
    public var interactive = false
    /// Whether `!` commands may run from a piped script.
    public var allowShell = false
    /// Asks the responder to confirm a suggested `!` command (set by the terminal front end).
    public var confirm: ((String) -> Bool)?
    /// Limits for `!` commands.
    public var shellLimits = ShellRunner.Limits()
    /// Commands that failed since the session started (a piped script exits 1 if any did).
    public private(set) var failures = 0
    /// Notices produced while handling a line, printed before its output.
    var pendingNotices: [String] = []
    /// The playbook guiding the session, and where the responders are in it.
    public internal(set) var playbook: Playbook?
    public internal(set) var progress: PlaybookProgress?
    /// The load balancer (simulation or real), its scenario for a drill, and the console over it.
    public internal(set) var target: (any LoadBalancerTarget)?
    public internal(set) var scenario: Scenario?
    /// Where playbook and scenario ids are looked up (the postmortem re-runs a drill's scenario).
    public internal(set) var playbookFolders: [String] = []
    /// The most incident time this drill may simulate (`SimulatedTarget.longestDrill`; tests lower it).
    var longestDrill = SimulatedTarget.longestDrill
    var console: LoadBalancerConsole?
    /// Timers and scenario events have been handled up to here.
    var caughtUpTo: Instant
    /// The playbook's guidance to show when the session opens (its first or current step).
    public internal(set) var openingGuide: String?
    /// The line being handled; attached as `input` to the first entry it records.
    private var currentInput: String?

    init(path: String, state: IncidentState, clock: IncidentClock, writer: TranscriptWriter) {
        self.path = path
        self.state = state
        self.clock = clock
        self.writer = writer
        commands = CommandTable.standard
        caughtUpTo = state.lastAt
    }

    deinit { writer.close() }

    /// Whether appends are fsynced (benchmarks only turn this off).
    public var syncsToDisk: Bool {
        get { writer.syncsToDisk }
        set { writer.syncsToDisk = newValue }
    }

    // MARK: - Opening

    /// Opens a new incident: writes its `open` entry to a new transcript and, with a playbook,
    /// shows its first step.
    /// - Parameters:
    ///   - options: what `start` was given.
    ///   - source: real time.
    /// - Returns: the session, ready for commands (its `openingGuide` shows the first step), and
    ///   warnings for the responder (a target that cannot be read, a scenario's warnings).
    /// - Throws: `TranscriptError` (folder missing or read-only …), `StartError`, `InputFileError`.
    public static func start(_ options: StartOptions, source: TimeSource) throws -> (Session, [String]) {
        if let speed = options.speed, !Bounds.speed.contains(speed) {
            throw StartError.badSpeed(String(speed))
        }
        if let title = options.title, title.allSatisfy(\.isWhitespace) {
            throw StartError.invalid("--title is empty; give the incident a title responders will recognise, or leave it out for the playbook's or scenario's")
        }
        try checkResponder(options.responder)
        let setup = try SessionSetup.resolve(options)
        let mode = options.clockMode ?? (setup.target.scenario != nil ? .virtual : .wall)
        if mode == .virtual, setup.target.target is HAProxyTarget {
            throw StartError.conflict("a real load balancer runs on real time: drop --clock virtual, or drill on a scenario (--target sim)")
        }
        let wallStart = source.wallNow()
        let start = mode == .virtual ? options.virtualStart ?? setup.target.scenario?.start ?? Instant(milliseconds: wallStart.milliseconds / 1000 * 1000) : wallStart
        let speed = options.speed ?? 1
        var limit = Bounds.latest
        if let scenario = setup.target.scenario {
            // The simulation runs from the scenario's start to the clock: at most a drill's length.
            limit = Bounds.adding(SimulatedTarget.longestDrill, to: scenario.start) ?? Bounds.latest
            guard start <= limit else {
                throw StartError.invalid("the drill would start at \(start.iso8601Seconds), more than \(SimulatedTarget.spanText(SimulatedTarget.longestDrill)) after its scenario's start (\(scenario.start.iso8601Seconds)), and a drill simulates at most that; drill on the virtual clock (--clock virtual; --speed 1 runs it in real time)")
            }
        }
        let clock = IncidentClock(mode: mode, start: start, speed: speed, source: source, limit: limit)
        let title = options.title ?? setup.target.scenario.map { "Drill: \($0.title)" } ?? setup.playbook?.title ?? "Untitled incident"
        let severity = try Session.validSeverity(options.severity ?? setup.playbook?.severity ?? "SEV-3")
        let id = IncidentID.make(at: clock.now, title: title)
        let path = try IncidentID.freePath(folder: options.transcriptsFolder, id: id)
        let writer = try TranscriptWriter.create(path: path)
        let incidentID = String(path.split(separator: "/").last!.dropLast(".jsonl".count))
        var scenarioRecord: JSONValue = .null
        if let scenario = setup.target.scenario {
            scenarioRecord = ["id": .string(scenario.id), "seed": .number(Double(scenario.seed)), "sha256": .string(scenario.sha256), "path": .string(scenario.path)]
        }
        let data: JSONObject = [
            "incident": .string(incidentID),
            "title": .string(title),
            "severity": .string(severity),
            "responder": .string(options.responder),
            "playbook": setup.playbook?.openRecord ?? .null,
            "scenario": scenarioRecord,
            "clock": ["mode": .string(mode.rawValue), "speed": .number(mode == .virtual ? speed : 1), "start": .string(clock.now.iso8601)],
            "target": .string(setup.target.label),
            "program": ["name": "warroom", "version": .string(programVersion)],
            "hash": "sha256-chain-v1",
        ]
        let session = Session(path: path, state: IncidentState(), clock: clock, writer: writer)
        session.allowShell = options.allowShell
        session.playbook = setup.playbook
        session.progress = setup.playbook.map(PlaybookProgress.init(playbook:))
        session.target = setup.target.target
        session.scenario = setup.target.scenario
        session.playbookFolders = options.playbookFolders
        session.caughtUpTo = clock.now
        let entry = TranscriptEntry(seq: 0, at: clock.now, wall: clock.wallNow, by: options.responder, kind: .open,
                                    text: "Opened \(severity) incident: \(title)", data: data)
        let written = try writer.append(entry)
        session.state.apply(written)
        session.progress?.apply(written)
        var notices = setup.notices
        if let target = session.target {
            do {
                _ = try session.loadBalancerConsole()
            } catch {
                notices.append("\(target.label) cannot be read yet: \(error). Notes\(session.playbook == nil ? "" : " and the playbook") work; probes will retry.")
            }
        }
        if let scenario = session.scenario, let warning = scenario.warnings.first {
            notices.append("scenario: \(warning.message)")
        }
        if let begin = try session.progress?.begin(at: clock.now) {
            try session.record(begin.entries)
            session.openingGuide = begin.message
        }
        return (session, notices)
    }

    /// Reopens a paused incident from its transcript alone, taking its lock before reading it.
    /// - Parameter acceptBrokenChain: continue a transcript that fails verification (recorded
    ///   in the `resume` entry's `broken_chain`) instead of refusing it.
    /// - Returns: the session and notices for the responder (a torn line set aside …).
    /// - Throws: `TranscriptError` (unreadable, corrupt, locked, failing verification), `StartError.closed`.
    public static func resume(path: String, responder: String?, folders: [String] = [], source: TimeSource,
                              acceptBrokenChain: Bool = false) throws -> (Session, [String]) {
        if let responder { try checkResponder(responder) }
        let (writer, log, brokenChain) = try TranscriptWriter.openVerified(path: path, acceptingBrokenChain: acceptBrokenChain)
        let state = IncidentState(entries: log.entries)
        if state.status == .closed {
            writer.close()
            throw StartError.closed(path: path)
        }
        let clockData = state.openData["clock"]?.objectValue ?? [:]
        let mode = clockData["mode"]?.stringValue.flatMap(ClockMode.init(rawValue:)) ?? .wall
        let speed = clockData["speed"]?.doubleValue ?? 1
        let clock = IncidentClock(mode: mode, start: mode == .virtual ? state.lastAt : source.wallNow(), speed: speed, source: source)
        let session = Session(path: path, state: state, clock: clock, writer: writer)
        var notices: [String] = []
        var tornPath: String?
        do {
            guard Bounds.speed.contains(speed) else {
                throw StartError.invalid("'\(path)' records a clock speed of \(speed), and \(Bounds.speed.name) must be \(Bounds.speed.range); the file was changed after it was written — check it with 'warroom verify \(path)'")
            }
            let setup = try SessionSetup.restore(openData: state.openData, folders: folders)
            notices.append(contentsOf: setup.notices)
            session.playbook = setup.playbook
            session.target = setup.target.target
            session.scenario = setup.target.scenario
            session.playbookFolders = folders
            if let scenario = setup.target.scenario {
                let drillStart = min(state.openedAt, scenario.start)
                // The transcript's own times: the clock starts at the last of them (a fast one
                // may already have run on, but stops at the limit set below).
                let span = state.lastAt - drillStart
                guard span <= session.longestDrill else {
                    throw StartError.invalid("'\(path)' runs \(DurationText.format(milliseconds: span)) past its start, and a drill simulates at most \(SimulatedTarget.spanText(session.longestDrill)) (its simulation is rebuilt second by second); read it with 'warroom timeline' or 'warroom postmortem', or check it with 'warroom verify'")
                }
                clock.limit = Bounds.adding(SimulatedTarget.longestDrill, to: drillStart) ?? Bounds.latest
            }
            if let playbook = setup.playbook {
                session.progress = PlaybookProgress(playbook: playbook, entries: log.entries)
            }
            try session.rebuildConsole(entries: log.entries)
            tornPath = try writer.continueAfter(log)
        } catch {
            writer.close()
            throw error
        }
        var data: JSONObject = [:]
        if let torn = log.torn, let tornPath {
            notices.append("The transcript's last line was torn (\(torn.bytes.count) bytes with no newline, line \(torn.line)): set aside in \(tornPath); every acknowledged entry is intact.")
            data["torn"] = .int(torn.bytes.count)
            data["torn_file"] = .string(tornPath)
        }
        if let brokenChain {
            notices.append("The transcript fails verification at seq \(brokenChain.seq) (\(brokenChain.reason)); continuing as asked (--accept-broken-chain), and the resume entry records it.")
            data["broken_chain"] = ["seq": .int(brokenChain.seq), "line": .int(brokenChain.line), "reason": .string(brokenChain.reason),
                                    "skipped_lines": .int(log.badLines.count)]
        }
        if let responder { session.state.responder = responder }
        try session.record(.resume, text: "Resumed by \(session.state.responder)", data: data)
        if let progress = session.progress {
            if !progress.started, let begin = try session.progress?.begin(at: clock.now) {
                try session.record(begin.entries)
                session.openingGuide = begin.message
            } else if let step = progress.currentStep {
                session.openingGuide = progress.card(for: step)
            }
        }
        return (session, notices)
    }

    // MARK: - Handling lines

    /// Handles one line typed by the responder (or read from a script).
    public func handle(_ line: String) -> Reply {
        pendingNotices = []
        let reply = execute(line)
        // Paused or closed: nothing more is written here, so the lock is let go at once.
        if reply.exit { writer.close() }
        return reply
    }

    /// Runs one line; notices it produces go into its reply. `run` uses it for each suggestion.
    func execute(_ line: String) -> Reply {
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
            return fail("this incident is closed; nothing more can be recorded (start a new one with 'warroom start')", command: nil, reply: &reply)
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
        do {
            try catchUp()
            let output = try command.run(self, &arguments)
            if command.readOnly {
                try record(.command, data: ["command": .string(command.name)])
            }
            reply.output = output
        } catch let error as TranscriptError {
            failures += 1
            reply.error = CommandError.notRecorded(error.description).description
        } catch {
            return fail(String(describing: error), command: command.name, reply: &reply)
        }
        reply.exit = exitRequested
        return reply
    }

    /// Records whatever fell due on the incident clock while nobody typed (the shell calls this
    /// while it waits for a key).
    /// - Returns: the reminders to show; a recording failure is returned as one line too.
    public func tick() -> [String] {
        guard state.status == .open else { return [] }
        pendingNotices = []
        do {
            try catchUp()
        } catch {
            return ["could not record what fell due: \(error)"]
        }
        defer { pendingNotices = [] }
        return pendingNotices
    }

    /// Set by `quit` and `close`.
    var exitRequested = false

    private func fail(_ message: String, command: String?, reply: inout Reply) -> Reply {
        failures += 1
        reply.error = message
        var data: JSONObject = [:]
        if let command { data["command"] = .string(command) }
        do {
            try record(.error, text: message, data: data)
        } catch {
            reply.error = message + " (and the error could not be recorded: \(error))"
        }
        return reply
    }

    /// Pauses the incident (Ctrl-D, end of a piped script): records `pause` unless it already
    /// ended, and lets the transcript go.
    public func pauseIfOpen(reason: String) {
        guard state.status == .open else { return }
        _ = try? record(.pause, text: "Paused: \(reason)", data: ["reason": .string(reason)])
        writer.close()
    }

    // MARK: - Recording

    /// Appends an entry stamped with the incident clock, the responder and the playbook position,
    /// then folds it into the state.
    /// - Throws: `TranscriptError.writeFailed`; nothing is applied when writing fails.
    @discardableResult
    public func record(_ kind: EntryKind, text: String = "", data: JSONObject = [:], at: Instant? = nil, by: String? = nil) throws -> TranscriptEntry {
        let entry = TranscriptEntry(seq: 0, at: at ?? clock.now, wall: clock.wallNow, by: by ?? state.responder, kind: kind,
                                    phase: state.phase, step: state.step, input: currentInput, text: text, data: data)
        let written = try writer.append(entry)
        currentInput = nil
        state.apply(written)
        progress?.apply(written)
        return written
    }

    /// Records a playbook's entry drafts in order (each at its own time when it has one).
    func record(_ drafts: [PlaybookEntryDraft]) throws {
        guard !drafts.isEmpty else { return }
        let now = clock.now
        let wall = clock.wallNow
        var entries: [TranscriptEntry] = []
        for (index, draft) in drafts.enumerated() {
            // What the playbook does by itself (timers and the pages they send) is by warroom.
            let automatic = draft.kind == .timer || (draft.kind == .escalation && draft.data["rule"] != nil)
            var entry = draft.entry(seq: 0, now: now, wall: wall, by: automatic ? IncidentState.automaticAuthor : state.responder, input: index == 0 ? currentInput : nil)
            if entry.phase == nil { entry.phase = state.phase }
            if entry.step == nil { entry.step = state.step }
            entries.append(entry)
        }
        for written in try writer.append(contentsOf: entries) {
            state.apply(written)
            progress?.apply(written)
        }
        currentInput = nil
    }

    /// Records what happened on the incident clock since the last command, in time order:
    /// playbook timers (escalations, status-update reminders, timeboxes) and scenario events
    /// (configuration changes), each at its own time, so an `advance` over several of them
    /// records every one where it belongs.
    func catchUp() throws {
        let now = clock.now
        guard now >= caughtUpTo else { return }
        // What fell due was not typed: the line being handled belongs to the command's own entry.
        let typed = currentInput
        currentInput = nil
        defer { currentInput = typed }
        // Everything that fell due is written with one write and one fsync, in time order.
        let wall = clock.wallNow
        var items: [(due: Instant, order: Int, entries: [TranscriptEntry], notice: String)] = []
        if let progress {
            for (index, firing) in progress.dueTimers(from: caughtUpTo, through: now).enumerated() {
                let entries = firing.entries.map { draft in
                    var entry = draft.entry(seq: 0, now: firing.due, wall: wall, by: IncidentState.automaticAuthor)
                    if entry.phase == nil { entry.phase = state.phase }
                    if entry.step == nil { entry.step = state.step }
                    return entry
                }
                items.append((firing.due, index, entries, firing.message))
            }
        }
        for (index, event) in try targetEvents(through: now).enumerated() {
            let entry = TranscriptEntry(seq: 0, at: event.at, wall: wall, by: event.by, kind: .lb, phase: state.phase, step: state.step,
                                        text: event.text, data: event.data)
            items.append((event.at, 1_000_000 + index, [entry], "\(event.at.clockMinutes) \(Display.firstLine(event.text)) (by \(event.by))"))
        }
        guard !items.isEmpty else {
            caughtUpTo = now
            return
        }
        items.sort { ($0.due, $0.order) < ($1.due, $1.order) }
        for written in try writer.append(contentsOf: items.flatMap(\.entries)) {
            state.apply(written)
            progress?.apply(written)
        }
        pendingNotices.append(contentsOf: items.map(\.notice))
        caughtUpTo = now
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
        return "\(now.clockMinutes) \(position) \(DurationText.elapsed(milliseconds: now - state.openedAt))\(timer) > "
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
