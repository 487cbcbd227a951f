extension Session {
    /// Opens a new incident: writes its `open` entry to a new transcript and, with a playbook,
    /// shows its first step.
    /// - Parameters:
    ///   - options: what `start` was given.
    ///   - source: real time.
    /// - Returns: the session, ready for commands (its `openingGuide` shows the first step), and
    ///   warnings for the responder (a target that cannot be read, a scenario's warnings).
    /// - Throws: `TranscriptError` (folder missing or read-only …), `StartError`, `InputFileError`.
    public static func start(_ options: StartOptions, source: TimeSource) throws -> (Session, [String]) {
        var options = options
        // Written up after the fact: free-form unless a playbook is named, never a drill.
        if options.from != nil, options.playbook == nil, options.scenario == nil { options.freeForm = true }
        if let speed = options.speed, !Bounds.speed.contains(speed) {
            throw StartError.badSpeed(String(speed))
        }
        if let title = options.title, title.allSatisfy(\.isWhitespace) {
            throw StartError.invalid("--title is empty; give the incident a title responders will recognise, or leave it out for the playbook's or scenario's")
        }
        try checkResponder(options.responder)
        let setup = try SessionSetup.resolve(options)
        if options.hostsDrill, setup.target.scenario == nil {
            throw StartError.conflict("drill host runs a team drill on a scenario: name one (warroom scenarios list)")
        }
        let wallStart = source.wallNow()
        if let from = options.from {
            if setup.target.scenario != nil || setup.target.target != nil {
                throw StartError.conflict("--from writes up a past incident, which has no load balancer to probe: drop --scenario and --target (a drill starts at its scenario's own time)")
            }
            if options.clockMode == .wall {
                throw StartError.conflict("--from starts the incident clock in the past, so it is virtual: drop --clock wall")
            }
            guard from <= wallStart else {
                throw StartError.invalid("--from \(from.iso8601Seconds) is in the future; it is when the incident began, to write it up after the fact")
            }
        }
        let mode = options.from != nil ? .virtual : options.clockMode ?? (setup.target.scenario != nil ? .virtual : .wall)
        if mode == .virtual, setup.target.target is HAProxyTarget {
            throw StartError.conflict("a real load balancer runs on real time: drop --clock virtual, or drill on a scenario (--target sim)")
        }
        let start = mode == .virtual ? options.from ?? options.virtualStart ?? setup.target.scenario?.start ?? Instant(milliseconds: wallStart.milliseconds / 1000 * 1000) : wallStart
        // A write-up moves only on `at` and `advance`.
        let speed = options.speed ?? (options.from != nil ? 0 : 1)
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
        var scenarioRecord: JSONValue = .null
        if let scenario = setup.target.scenario {
            scenarioRecord = ["id": .string(scenario.id), "seed": .number(Double(scenario.seed)), "sha256": .string(scenario.sha256), "path": .string(scenario.path)]
        }
        let opened = clock.now
        let openedWall = clock.wallNow
        let provider = options.provider ?? TranscriptFolder(path: options.transcriptsFolder)
        let (store, openEntry) = try provider.create(id: IncidentID.make(at: opened, title: title)) { incidentID in
            var data: JSONObject = [
                "incident": .string(incidentID),
                "title": .string(title),
                "severity": .string(severity),
                "responder": .string(options.responder),
                "playbook": setup.playbook?.openRecord ?? .null,
                "scenario": scenarioRecord,
                "clock": ["mode": .string(mode.rawValue), "speed": .number(mode == .virtual ? speed : 1), "start": .string(opened.iso8601)],
                "target": .string(setup.target.label),
                "program": ["name": "warroom", "version": .string(programVersion)],
                "hash": "sha256-chain-v1",
            ]
            if let metrics = options.metrics {
                data["metrics"] = .string(metrics)
                if let map = options.metricsMap { data["metrics_map"] = .string(map) }
            }
            if options.hostsDrill { data["facilitator"] = .string(options.responder) }
            if let payload = options.alerts {
                // How `intake` finds the incident again when the group's next notification comes.
                var group: JSONObject = ["key": .string(payload.groupKey), "receiver": .string(payload.receiver)]
                if !payload.externalURL.isEmpty { group["alertmanager"] = .string(payload.externalURL) }
                data["alert_group"] = .object(group)
            }
            if options.from != nil {
                // Recorded after the fact: the incident's times are typed in; `wall` says when.
                data["after_the_fact"] = ["from": .string(opened.iso8601), "written": .string(openedWall.iso8601)]
            }
            return TranscriptEntry(seq: 1, at: opened, wall: openedWall, by: options.responder, kind: .open,
                                   text: "Opened \(severity) incident: \(title)", data: data)
        }
        let session = Session(store: store, state: IncidentState(entries: [openEntry]), clock: clock, responder: options.responder)
        session.allowShell = options.allowShell
        session.instruments.playbook = setup.playbook
        session.instruments.target = setup.target.target
        session.instruments.scenario = setup.target.scenario
        session.instruments.playbookFolders = options.playbookFolders
        session.automation.caughtUpTo = clock.now
        if store.isShared { session.localFolder = options.transcriptsFolder }
        var notices = setup.notices
        if let target = session.target {
            do {
                _ = try session.loadBalancerConsole()
                notices += session.instruments.setupNotices
                session.instruments.setupNotices = []
            } catch {
                notices.append("\(target.label) cannot be read yet: \(error). Notes\(session.playbook == nil ? "" : " and the playbook") work; probes will retry.")
            }
        }
        if let scenario = session.scenario {
            // Evaluated on a grid from the drill's start, as `resume` and `join` rebuild it, so
            // an alert's time does not depend on how long opening took.
            session.instruments.monitor = AlertMonitor(rules: scenario.alerts, from: opened)
            if let warning = scenario.warnings.first { notices.append("scenario: \(warning.message)") }
        }
        if let payload = options.alerts {
            // Before the first step begins: its timebox and the escalation timers count from the alert.
            for draft in AlertIntake.drafts(payload, state: session.state, now: clock.now) {
                session.recorder.stage(draft)
            }
            try session.recorder.commitStaged()
        }
        if store.isShared, options.alertService {
            // A responder may join between intake's appends and begin the playbook first.
            try session.recorder.commit(lock: true, decide: { _ in
                try session.refreshFromStore()
                guard let progress = session.progress, !progress.started else { return }
                try session.record(try progress.begin(at: session.clock.now).entries)
            })
        } else if let begin = try session.progress?.begin(at: clock.now) {
            try session.record(begin.entries)
            try session.commitAfterOthers()
            session.instruments.openingGuide = begin.message
        }
        // The one who opened a room is in it, as everyone who joins (intake only records).
        if !options.alertService { try session.enterRoom() }
        return (session, notices)
    }

    /// Reopens a paused incident from its transcript alone, taking its lock before reading it.
    /// - Parameters:
    ///   - path: the transcript.
    ///   - responder: who is typing in this terminal (`--as`, `$WARROOM_USER` or `$USER`).
    ///   - folders: where to look up the playbook and scenario when their recorded paths moved.
    ///   - source: real time.
    ///   - acceptBrokenChain: continue a transcript that fails verification (recorded in the
    ///     `resume` entry's `broken_chain`) instead of refusing it.
    /// - Returns: the session and notices for the responder (a torn line set aside …).
    /// - Throws: `TranscriptError` (unreadable, corrupt, locked, failing verification), `StartError.closed`.
    public static func resume(path: String, responder: String, folders: [String] = [], source: TimeSource,
                              acceptBrokenChain: Bool = false) throws -> (Session, [String]) {
        try checkResponder(responder)
        // The transcript is folded as it is read: the state, and the entries the console is
        // rebuilt from; nothing else of it is kept.
        var state = IncidentState()
        var kept: [TranscriptEntry] = []
        // Whether steps' commands are left undone, kept as a flag: asked of every line, and
        // reading the state from here would copy it.
        var undone = false
        let (writer, log, brokenChain) = try TranscriptWriter.openVerified(
            path: path, acceptingBrokenChain: acceptBrokenChain, skipsText: { !undone && IncidentState.readsWordsOnlyWhileUndone($0) }
        ) { entry in
            state.apply(entry)
            undone = !state.leftUndone.isEmpty
            if Session.rebuildsConsole(from: entry.kind) { kept.append(entry) }
        }
        if state.status == .closed {
            writer.close()
            throw StartError.closed(path: path)
        }
        let session: Session
        let tornPath: String?
        do {
            session = try attach(store: writer, state: state, entries: kept, responder: responder, folders: folders, source: source)
            tornPath = try writer.continueAfter(log)
        } catch {
            writer.close()
            throw error
        }
        var notices = session.instruments.setupNotices
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
        try session.record(.resume, text: "Resumed by \(responder)", data: data)
        try session.recorder.commitStaged()
        if let progress = session.progress {
            if !progress.started, let begin = try session.progress?.begin(at: session.clock.now) {
                try session.record(begin.entries)
                try session.recorder.commitStaged()
                session.instruments.openingGuide = begin.message
            } else if let step = progress.currentStep {
                session.instruments.openingGuide = progress.card(for: step)
            }
        }
        return (session, notices)
    }
}
