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
    /// Folders searched for playbook and scenario ids, in order.
    public var playbookFolders: [String]

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
    /// The line being handled; attached as `input` to the first entry it records.
    private var currentInput: String?

    init(path: String, state: IncidentState, clock: IncidentClock, writer: TranscriptWriter) {
        self.path = path
        self.state = state
        self.clock = clock
        self.writer = writer
        commands = CommandTable.standard
    }

    deinit { writer.close() }

    /// Whether appends are fsynced (benchmarks only turn this off).
    public var syncsToDisk: Bool {
        get { writer.syncsToDisk }
        set { writer.syncsToDisk = newValue }
    }

    // MARK: - Opening

    /// Opens a new incident: writes its `open` entry to a new transcript.
    /// - Parameters:
    ///   - options: what `start` was given.
    ///   - source: real time.
    /// - Returns: the session, ready for commands.
    /// - Throws: `TranscriptError` (folder missing or read-only …), `StartError`.
    public static func start(_ options: StartOptions, source: TimeSource) throws -> Session {
        if let speed = options.speed, !(speed >= 0 && speed.isFinite) {
            throw StartError.badSpeed(String(speed))
        }
        let mode = options.clockMode ?? .wall
        let start = source.wallNow()
        let clock = IncidentClock(mode: mode, start: Instant(milliseconds: start.milliseconds / 1000 * 1000),
                                  speed: options.speed ?? 1, source: source)
        let title = options.title ?? "Untitled incident"
        let severity = try Session.validSeverity(options.severity ?? "SEV-3")
        let id = IncidentID.make(at: clock.now, title: title)
        let path = try IncidentID.freePath(folder: options.transcriptsFolder, id: id)
        let writer = try TranscriptWriter.create(path: path)
        let incidentID = String(path.split(separator: "/").last!.dropLast(".jsonl".count))
        let data: JSONObject = [
            "incident": .string(incidentID),
            "title": .string(title),
            "severity": .string(severity),
            "responder": .string(options.responder),
            "playbook": .null,
            "scenario": .null,
            "clock": ["mode": .string(mode.rawValue), "speed": .number(mode == .virtual ? options.speed ?? 1 : 1), "start": .string(clock.now.iso8601)],
            "target": .string(options.target ?? "none"),
            "program": ["name": "warroom", "version": .string(programVersion)],
            "hash": "sha256-chain-v1",
        ]
        let session = Session(path: path, state: IncidentState(), clock: clock, writer: writer)
        session.allowShell = options.allowShell
        let entry = TranscriptEntry(seq: 0, at: clock.now, wall: clock.wallNow, by: options.responder, kind: .open,
                                    text: "Opened \(severity) incident: \(title)", data: data)
        session.state.apply(try writer.append(entry))
        return session
    }

    /// Reopens a paused incident from its transcript alone.
    /// - Returns: the session and notices for the responder (a torn line set aside …).
    /// - Throws: `TranscriptError` (unreadable, corrupt, locked), `StartError.closed`.
    public static func resume(path: String, responder: String?, source: TimeSource) throws -> (Session, [String]) {
        let log = try TranscriptLog.read(path: path)
        let state = IncidentState(entries: log.entries)
        if state.status == .closed {
            throw StartError.closed(path: path)
        }
        let writer = try TranscriptWriter.resume(path: path, log: log)
        let clockData = state.openData["clock"]?.objectValue ?? [:]
        let mode = clockData["mode"]?.stringValue.flatMap(ClockMode.init(rawValue:)) ?? .wall
        let speed = clockData["speed"]?.doubleValue ?? 1
        let clock = IncidentClock(mode: mode, start: state.lastAt, speed: speed, source: source)
        let session = Session(path: path, state: state, clock: clock, writer: writer)
        var notices: [String] = []
        var data: JSONObject = [:]
        if let torn = log.torn {
            notices.append("The transcript's last line was torn (\(torn.bytes.count) bytes with no newline, line \(torn.line)): set aside in \(path).torn-\(log.entries.count + 1); every acknowledged entry is intact.")
            data["torn"] = .int(torn.bytes.count)
            data["torn_file"] = .string("\(path).torn-\(log.entries.count + 1)")
        }
        if let responder { session.state.responder = responder }
        try session.record(.resume, text: "Resumed by \(session.state.responder)", data: data)
        return (session, notices)
    }

    // MARK: - Handling lines

    /// Handles one line typed by the responder (or read from a script).
    public func handle(_ line: String) -> Reply {
        pendingNotices = []
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
        defer { currentInput = nil }
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
            return fail(CommandError.unknownCommand(name, suggestion: suggestion).description, command: nil, reply: &reply)
        }
        do {
            try fireTimers()
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
        reply.notices = pendingNotices
        reply.exit = exitRequested
        return reply
    }

    /// Set by `quit` and `close`.
    var exitRequested = false

    private func fail(_ message: String, command: String?, reply: inout Reply) -> Reply {
        failures += 1
        reply.error = message
        reply.notices = pendingNotices
        var data: JSONObject = [:]
        if let command { data["command"] = .string(command) }
        do {
            try record(.error, text: message, data: data)
        } catch {
            reply.error = message + " (and the error could not be recorded: \(error))"
        }
        return reply
    }

    /// Pauses the incident (Ctrl-D, end of a piped script): records `pause` unless it already ended.
    public func pauseIfOpen(reason: String) {
        guard state.status == .open else { return }
        _ = try? record(.pause, text: "Paused: \(reason)", data: ["reason": .string(reason)])
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
        return written
    }

    /// Fires whatever timers fell due up to now, recording each at its own due time.
    func fireTimers() throws {
        for source in timerSources {
            for firing in source(self, clock.now) {
                try record(.timer, text: firing.text, data: firing.data, at: firing.due)
                pendingNotices.append("⏰ \(firing.due.clockMinutes) \(firing.text)")
            }
        }
    }

    /// Producers of due timers (the playbook engine registers one).
    var timerSources: [@Sendable (Session, Instant) -> [TimerFiring]] = []
    /// Run after `advance` moved the clock (the simulation follows), given the time it moved from.
    var advanceHooks: [@Sendable (Session, Instant) throws -> Void] = []
    /// Run after `close` (the postmortem is written); each returns lines to print.
    var closeHooks: [@Sendable (Session) throws -> [String]] = []
    /// Extra lines for `status` (playbook position, next timer, target).
    var statusExtras: [@Sendable (Session) -> [String]] = []

    // MARK: - Prompt

    /// `03:52Z investigation +00:07 > `
    public var prompt: String {
        let now = clock.now
        var parts = [now.clockMinutes, state.currentPhase]
        if let step = state.step { parts[1] += "/\(step)" }
        parts.append(DurationText.elapsed(milliseconds: now - state.openedAt))
        return parts.joined(separator: " ") + " > "
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

/// A timer that fell due: when, what to say, and what to record.
public struct TimerFiring: Sendable, Equatable {
    public var due: Instant
    public var text: String
    public var data: JSONObject

    public init(due: Instant, text: String, data: JSONObject) {
        self.due = due
        self.text = text
        self.data = data
    }
}

/// Problems opening or resuming an incident.
public enum StartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--speed` is negative or not a number.
    case badSpeed(String)
    /// The incident was closed; it cannot be resumed.
    case closed(path: String)
    /// An option that does not fit the others.
    case conflict(String)

    public var description: String {
        switch self {
        case .badSpeed(let text):
            return "--speed must be a number of simulated seconds per real second, 0 or more (0 moves only on 'advance'), not '\(text)'"
        case .closed(let path):
            return "the incident in '\(path)' is closed; read it with 'warroom timeline \(path)' or 'warroom postmortem \(path)'"
        case .conflict(let message):
            return message
        }
    }
}
