/// One incident, several shells: what a shell does so that the record stays one record when
/// others write to the same store.
extension Session {
    /// Enters an incident already in `store` (a shared room): folds its transcript, rebuilds
    /// the playbook position and the simulation from it, and records that `responder` joined.
    /// - Parameters:
    ///   - store: the incident's transcript.
    ///   - responder: who is typing in this terminal.
    ///   - folders: where to look up the playbook and scenario when their recorded paths moved.
    ///   - source: real time (a shared room at `--speed` above 0 passes the database's).
    /// - Returns: the session and notices for the responder.
    /// - Throws: `TranscriptError`, `StartError.closed` for a closed incident.
    public static func join(store: any TranscriptStore, responder: String, folders: [String] = [], source: TimeSource) throws -> (Session, [String]) {
        try checkResponder(responder)
        let entries = try store.entries(after: 0)
        guard let first = entries.first, first.kind == .open else {
            throw TranscriptError.notATranscript(path: store.location, reason: entries.isEmpty ? "it holds no entries" : "the first entry is not 'open'")
        }
        let state = IncidentState(entries: entries)
        if state.status == .closed { throw StartError.closed(path: store.location) }
        let session = try attach(store: store, state: state, entries: entries, responder: responder, folders: folders, source: source)
        try session.record(.join, text: "\(responder) joined", data: ["responder": .string(responder)])
        try session.commitAfterOthers()
        session.showCurrentStep()
        return (session, session.setupNotices)
    }

    /// Builds a session over an incident's transcript: the clock where the record left it,
    /// the playbook, the load balancer and, for a drill, the simulation re-run to now.
    static func attach(store: any TranscriptStore, state: IncidentState, entries: [TranscriptEntry], responder: String, folders: [String],
                       source: TimeSource) throws -> Session
    {
        let clockData = state.openData["clock"]?.objectValue ?? [:]
        let mode = clockData["mode"]?.stringValue.flatMap(ClockMode.init(rawValue:)) ?? .wall
        let speed = clockData["speed"]?.doubleValue ?? 1
        let clock = IncidentClock(mode: mode, start: mode == .virtual ? state.roomTime : source.wallNow(), speed: speed, source: source)
        let session = Session(store: store, state: state, clock: clock, responder: responder)
        guard Bounds.speed.contains(speed) else {
            throw StartError.invalid("'\(store.location)' records a clock speed of \(speed), and \(Bounds.speed.name) must be \(Bounds.speed.range); the transcript was changed after it was written — check it with 'warroom verify \(store.location)'")
        }
        let setup = try SessionSetup.restore(openData: state.openData, folders: folders)
        session.setupNotices = setup.notices
        session.playbook = setup.playbook
        session.target = setup.target.target
        session.scenario = setup.target.scenario
        session.playbookFolders = folders
        if let scenario = setup.target.scenario {
            let drillStart = min(state.openedAt, scenario.start)
            // The transcript's own times: the clock starts at the last of them (a fast one may
            // already have run on, but stops at the limit set below).
            let span = state.lastAt - drillStart
            guard span <= session.longestDrill else {
                throw StartError.invalid("'\(store.location)' runs \(DurationText.format(milliseconds: span)) past its start, and a drill simulates at most \(SimulatedTarget.spanText(session.longestDrill)) (its simulation is rebuilt second by second); read it with 'warroom timeline' or 'warroom postmortem', or check it with 'warroom verify'")
            }
            clock.limit = Bounds.adding(SimulatedTarget.longestDrill, to: drillStart) ?? Bounds.latest
        }
        session.setupNotices += try session.rebuildConsole(entries: entries)
        session.appliedThrough = state.lastSeq
        return session
    }

    /// The playbook's guidance for a shell entering the incident: its current step.
    func showCurrentStep() {
        if let progress, let step = progress.currentStep { openingGuide = progress.card(for: step) }
    }

    /// Commits what is staged; when another shell recorded first, folds its entries and
    /// records these after them (entries that only say who came or went).
    func commitAfterOthers() throws {
        var attempt = 0
        while true {
            attempt += 1
            let drafts = staged
            let checkpoint = store.isShared ? state : nil
            do {
                try commit()
                return
            } catch TranscriptError.headMoved where attempt < Session.maximumAttempts {
                if let checkpoint { state = checkpoint }
                try refreshFromStore()
                for draft in drafts { stageAgain(draft) }
            }
        }
    }

    /// Folds what other shells recorded since this one last looked, and says it above the
    /// prompt. Their load balancer changes are made in this shell's simulation too, at their
    /// times, and the clock follows the room's (an `advance` anyone types moves it for all).
    /// - Returns: the notices for others' entries (also added to the pending notices).
    @discardableResult
    public func refreshFromStore() throws -> [Notice] {
        guard store.isShared else { return [] }
        let fresh = try store.entries(after: state.lastSeq)
        guard !fresh.isEmpty else { return [] }
        var notices: [Notice] = []
        for entry in fresh {
            state.apply(entry)
            if entry.seq > appliedThrough {
                if let console, console.target is SimulatedTarget, let change = RecordedLBCommand.from(entries: [entry]).first {
                    _ = try? console.lb(arguments: change.arguments, by: change.by, at: change.at)
                }
                appliedThrough = entry.seq
            }
            notices.append(Notice(.entry, "\(stamp(entry.at)) \(entry.by): \(Session.summary(of: entry))"))
        }
        lastCommittedHash = state.lastHash
        if clock.mode == .virtual { clock.catchUp(to: state.roomTime) }
        pendingNotices.append(contentsOf: notices)
        return notices
    }

    /// One line for an entry someone else recorded: what they typed, or what it says.
    static func summary(of entry: TranscriptEntry) -> String {
        let text = Display.firstLine(entry.text, limit: 160)
        switch entry.kind {
        case .command:
            return entry.input.map { Display.firstLine($0, limit: 160) } ?? text
        case .note, .update, .statement, .hypothesis, .action, .amend, .retract, .escalation, .severity, .role, .milestone:
            if let input = entry.input { return Display.firstLine(input, limit: 160) }
            return text
        default:
            return text
        }
    }
}
