import Foundation

/// Re-runs a virtual-clock session's commands on a fresh simulation and checks that every
/// probe shows exactly what the responders saw: a drill that replays byte for byte.
public enum Replay {
    /// The outcome of a replay.
    public struct Report: Sendable, Equatable {
        /// Commands re-run.
        public var commands: Int
        /// Probe outputs compared.
        public var probes: Int
        /// The first probe output that differs, if any.
        public var difference: Difference?
    }

    /// Where a replay first disagrees with the transcript.
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        /// The original probe entry.
        public var seq: Int
        public var input: String
        /// The first line that differs (or a missing probe).
        public var expected: String
        public var actual: String

        public var description: String {
            "seq \(seq) ('\(input)'): expected \"\(expected)\", got \"\(actual)\""
        }
    }

    /// Why a transcript cannot be replayed.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Only virtual-clock sessions replay deterministically.
        case notVirtual(path: String)
        /// The transcript runs past what a drill simulates (`SimulatedTarget.longestDrill`), as `resume` refuses too.
        case tooLong(path: String, span: Int64)

        public var description: String {
            switch self {
            case .notVirtual(let path):
                return "'\(path)' ran on the wall clock; only virtual-clock drills replay deterministically (start drills with --clock virtual)"
            case .tooLong(let path, let span):
                return "'\(path)' runs \(DurationText.format(milliseconds: span)) past its scenario's start, and a drill simulates at most \(SimulatedTarget.spanText(SimulatedTarget.longestDrill)); read it with 'warroom timeline' or 'warroom postmortem', or check it with 'warroom verify'"
            }
        }
    }

    /// Replays a transcript.
    /// - Parameters:
    ///   - path: the transcript.
    ///   - folders: where to find its playbook and scenario when their recorded paths moved.
    ///   - source: real time (only the `wall` fields use it).
    /// - Returns: what was compared and the first difference.
    /// - Throws: `Failure`, `TranscriptError`, and what opening the drill throws.
    public static func run(path: String, folders: [String], source: TimeSource) throws -> Report {
        try run(log: TranscriptLog.read(path: path), folders: folders, source: source)
    }

    /// Replays a transcript already read (from a file or a store; `log.path` names it).
    /// - Parameters:
    ///   - log: the transcript.
    ///   - folders: where to find its playbook and scenario when their recorded paths moved.
    ///   - source: real time (only the `wall` fields use it).
    /// - Returns: what was compared and the first difference.
    /// - Throws: `Failure`, and what opening the drill throws.
    public static func run(log: TranscriptLog, folders: [String], source: TimeSource) throws -> Report {
        let path = log.path
        let original = IncidentState(entries: log.entries)
        let open = original.openData
        let clock = open["clock"]?.objectValue ?? [:]
        guard clock["mode"]?.stringValue == ClockMode.virtual.rawValue else { throw Failure.notVirtual(path: path) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-replay-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }

        var options = StartOptions(responder: open["responder"]?.stringValue ?? original.openedBy, transcriptsFolder: folder)
        options.title = original.title
        options.severity = open["severity"]?.stringValue
        options.clockMode = .virtual
        options.speed = 0
        options.virtualStart = clock["start"]?.stringValue.flatMap(Instant.parseISO8601)
        options.playbookFolders = folders
        options.playbook = reference(open["playbook"])
        options.scenario = reference(open["scenario"])
        options.target = options.scenario == nil ? "none" : "sim"
        options.freeForm = options.playbook == nil && options.scenario == nil
        // A team drill replays as its facilitator, who opened it: the injects are theirs.
        options.hostsDrill = original.facilitator != nil
        if let scenarioRecord = open["scenario"], scenarioRecord != .null, let last = log.entries.map(\.at).max() {
            // Checked before anything is simulated: a drill is rebuilt second by second.
            let scenario = try SessionSetup.recordedScenario(scenarioRecord, folders: folders)
            let span = last - min(scenario.start, original.openedAt)
            guard span <= SimulatedTarget.longestDrill else { throw Failure.tooLong(path: path, span: span) }
        }
        let (session, _) = try Session.start(options, source: source)
        session.syncsToDisk = false

        var commands = 0
        for entry in log.entries {
            guard let input = entry.input, entry.kind != .shell, !input.hasPrefix("!") else { continue }
            let name = input.split(separator: " ").first.map { String($0).lowercased() } ?? ""
            // Not re-run: what ends the session, and `run`, whose commands are recorded one by one.
            if CommandTable.standard.lookup(name)?.runnable == false || entry.kind == .resume { continue }
            // The clock's speed paces the drill in real time; here every command is put at its recorded time.
            if name == "clock" { continue }
            session.clock.catchUp(to: entry.at)
            _ = session.execute(input)
            commands += 1
        }
        let replayed = try TranscriptLog.read(path: session.path).entries.filter { $0.kind == .probe }
        let expected = log.entries.filter { $0.kind == .probe }
        for (index, probe) in expected.enumerated() {
            guard index < replayed.count else {
                return Report(commands: commands, probes: index, difference: Difference(seq: probe.seq, input: probe.input ?? "", expected: Display.firstLine(probe.text), actual: "(no probe)"))
            }
            let again = replayed[index]
            if again.text != probe.text || again.data["metrics"] != probe.data["metrics"] {
                let left = probe.text.split(separator: "\n", omittingEmptySubsequences: false)
                let right = again.text.split(separator: "\n", omittingEmptySubsequences: false)
                let line = zip(left, right).first(where: { $0 != $1 })
                return Report(commands: commands, probes: index,
                              difference: Difference(seq: probe.seq, input: probe.input ?? "",
                                                     expected: line.map { String($0.0) } ?? "\(left.count) lines",
                                                     actual: line.map { String($0.1) } ?? "\(right.count) lines"))
            }
        }
        if replayed.count > expected.count {
            return Report(commands: commands, probes: expected.count,
                          difference: Difference(seq: 0, input: replayed[expected.count].input ?? "", expected: "(no probe)", actual: Display.firstLine(replayed[expected.count].text)))
        }
        return Report(commands: commands, probes: expected.count, difference: nil)
    }

    /// A playbook or scenario recorded in `open`: its path when it still exists, else its id.
    static func reference(_ record: JSONValue?) -> String? {
        guard let record, record != .null else { return nil }
        if let path = record["path"]?.stringValue, FileManager.default.fileExists(atPath: path) { return path }
        return record["id"]?.stringValue
    }
}
