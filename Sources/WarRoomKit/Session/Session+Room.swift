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
    /// - Throws: `TranscriptError`, `StartError.closed` for a closed incident,
    ///   `RoomError.readOnly` when the store lets this shell read the incident but not write.
    public static func join(store: any TranscriptStore, responder: String, folders: [String] = [], source: TimeSource) throws -> (Session, [String]) {
        try join(store: store, folded: JoinFold(), responder: responder, folders: folders, source: source)
    }

    /// `join(store:responder:folders:source:)`, the record already folded up to
    /// `folded.lastSeq` (as the store verified it): only what was appended since is read.
    public static func join(store: any TranscriptStore, folded: JoinFold, responder: String, folders: [String] = [],
                            source: TimeSource) throws -> (Session, [String])
    {
        try checkResponder(responder)
        var fold = folded
        for entry in try store.entries(after: fold.lastSeq) { fold.add(entry) }
        guard let first = fold.first, first.kind == .open else {
            throw TranscriptError.notATranscript(path: store.location, reason: fold.first == nil ? "it holds no entries" : "the first entry is not 'open'")
        }
        let state = fold.state
        let entries = fold.kept
        if state.status == .closed { throw StartError.closed(path: store.location) }
        if let room = store as? RoomStore, store.isShared, try !room.mayWrite() { throw RoomError.readOnly(incident: state.id) }
        let session = try attach(store: store, state: state, entries: entries, responder: responder, folders: folders, source: source)
        try session.enterRoom()
        // A room whose playbook never began (opened by intake, which was stopped part-way):
        // the first to join begins it, under the room's lock so that nobody begins it twice.
        if let progress = session.progress, !progress.started {
            try session.recorder.commit(lock: true, decide: { _ in
                try session.refreshFromStore()
                guard let progress = session.progress, !progress.started else { return }
                try session.record(try progress.begin(at: session.clock.now).entries)
            })
        }
        session.showCurrentStep()
        let present = (try? session.presence().present.map(\.shown)) ?? [session.responder]
        // The recap reads the load balancer's changes and the last update among those kept.
        session.roomShell.recap = RoomRecap.lines(state: session.state, entries: entries.filter {
            ($0.kind == .lb || $0.kind == .update) && $0.isVisible(to: responder, facilitator: session.isFacilitator)
        },
                                                  present: present, now: session.clock.now)
        return (session, session.instruments.setupNotices)
    }

    /// Enters a shared room: this shell counts as present while it is connected, and a `join`
    /// entry with its id says who came in. Nothing for a file.
    func enterRoom() throws {
        guard let room else { return }
        let id = try room.enterRoom()
        roomShell.id = id
        roomShell.link.lastFetch = clock.monotonicSeconds
        try record(.join, text: "\(responder) joined", data: ["responder": .string(responder), "shell": .int(id)])
        try commitAfterOthers()
    }

    /// Ends this shell's part in the incident (Ctrl-D, the end of a piped script). In a shared
    /// room the shell leaves (a `leave` entry) and the incident stays open for the others and
    /// for whoever joins later: only `close` ends it. A file's incident is paused.
    /// - Parameter reason: why (`ctrl-d`, `end of input`).
    /// - Returns: what to tell the responder, and warnings (something could not be recorded).
    @discardableResult
    public func leave(reason: String) -> (notes: [String], warnings: [String]) {
        let delivered = state.status == .open ? settleDeliveries(waiting: Session.leaveDeliveryWait) : []
        guard room != nil, let shell else {
            pauseIfOpen(reason: reason)
            return (delivered + (state.status == .paused ? ["Paused. Resume with: warroom resume \(path)"] : []), [])
        }
        guard state.status != .closed, !roomShell.hasLeft else { return ([], []) }
        settleDeliveries(waiting: Session.leaveDeliveryWait)
        roomShell.hasLeft = true
        var warnings: [String] = []
        if reconnectIfDue(now: true) {
            do {
                stageCollectedDeliveries()
                try record(.leave, text: "\(responder) left", data: ["responder": .string(responder), "shell": .int(shell), "reason": .string(reason)])
                try commitAfterOthers()
            } catch {
                discardStaged()
                warnings.append("could not record that \(responder) left (\(error)); the room stops counting this shell once it has gone")
            }
        } else {
            warnings.append("could not record that \(responder) left: the store is unreachable; the room stops counting this shell once it has gone")
        }
        warnings.append(contentsOf: owedWarning())
        room?.leaveRoom(shell: shell)
        return (delivered + ["Left the room; \(state.id) stays open for the others. Come back with: warroom join \(state.id)"], warnings)
    }

    /// Whether this shell works in a shared room (a store), where leaving is not pausing.
    public var isRoom: Bool { room != nil }

    /// What this shell did while the store was away and could not record: said when it leaves,
    /// so that the responder can put it on the record by hand.
    func owedWarning() -> [String] {
        guard !roomShell.owed.isEmpty else { return [] }
        return ["NOT RECORDED (the store is unreachable): " + roomShell.owed.map { "\($0.kind.rawValue) at \($0.at.clockSeconds): \(Display.firstLine($0.text, limit: 120))" }.joined(separator: "; ")
            + " — note it in the incident once the store is back"]
    }

    /// Builds a session over an incident's transcript: the clock where the record left it,
    /// the playbook, the load balancer and, for a drill, the simulation re-run to now.
    static func attach(store: any TranscriptStore, state: IncidentState, entries: [TranscriptEntry], responder: String, folders: [String],
                       source: TimeSource) throws -> Session
    {
        let clockData = state.openData["clock"]?.objectValue ?? [:]
        let mode = clockData["mode"]?.stringValue.flatMap(ClockMode.init(rawValue:)) ?? .wall
        let speed = state.roomSpeed ?? clockData["speed"]?.doubleValue ?? 1
        let clock = IncidentClock(mode: mode, start: mode == .virtual ? state.roomTime : source.wallNow(), speed: speed, source: source)
        let session = Session(store: store, state: state, clock: clock, responder: responder)
        guard Bounds.speed.contains(speed) else {
            throw StartError.invalid("'\(store.location)' records a clock speed of \(speed), and \(Bounds.speed.name) must be \(Bounds.speed.range); the transcript was changed after it was written — check it with 'warroom verify \(store.location)'")
        }
        let setup = try SessionSetup.restore(openData: state.openData, folders: folders)
        session.instruments.setupNotices = setup.notices
        session.instruments.playbook = setup.playbook
        session.instruments.target = setup.target.target
        session.instruments.scenario = setup.target.scenario
        session.instruments.playbookFolders = folders
        if let scenario = setup.target.scenario {
            let drillStart = min(state.openedAt, scenario.start)
            // The transcript's own times: the clock starts at the last of them (a fast one may
            // already have run on, but stops at the limit set below).
            let span = state.lastAt - drillStart
            guard span <= session.instruments.longestDrill else {
                throw StartError.invalid("'\(store.location)' runs \(DurationText.format(milliseconds: span)) past its start, and a drill simulates at most \(SimulatedTarget.spanText(session.instruments.longestDrill)) (its simulation is rebuilt second by second); read it with 'warroom timeline' or 'warroom postmortem', or check it with 'warroom verify'")
            }
            clock.limit = Bounds.adding(SimulatedTarget.longestDrill, to: drillStart) ?? Bounds.latest
        }
        session.instruments.setupNotices += try session.rebuildConsole(entries: entries)
        session.automation.appliedThrough = state.lastSeq
        if store.isShared, let anchor = state.clockAnchor { clock.follow(anchor: anchor) }
        return session
    }

    /// The playbook's guidance for a shell entering the incident: its current step.
    func showCurrentStep() {
        if let progress, let step = progress.currentStep { instruments.openingGuide = progress.card(for: step) }
    }

    /// Folds what other shells recorded since this one last looked, and says it above the
    /// prompt. Their load balancer changes are made in this shell's simulation too, at their
    /// times, and the clock follows the room's (an `advance` anyone types moves it for all).
    /// - Returns: the notices for others' entries (also added to the pending notices).
    @discardableResult
    public func refreshFromStore() throws -> [Notice] {
        guard store.isShared else { return [] }
        let fresh = recorder.takeUnseen() + (try recorder.fetchOthers())
        roomShell.link.lastFetch = clock.monotonicSeconds
        guard !fresh.isEmpty else { return [] }
        var notices: [Notice] = []
        for entry in fresh {
            if entry.kind == .close { roomShell.closedElsewhere = entry }
            if entry.seq > automation.appliedThrough {
                if let console, console.target is SimulatedTarget, let change = RecordedLBCommand.from(entries: [entry]).first {
                    try? console.redo(change)
                } else if let console, entry.kind == .lb {
                    // A real load balancer changed by another shell (or found changed by it):
                    // its version, as recorded, so this shell neither finds it again as a change
                    // made outside warroom nor numbers its own next change the same.
                    console.adopt(entry)
                }
                automation.appliedThrough = entry.seq
            }
            // What changed nothing (a `status`, a mistyped command) is left out, as `watch` does.
            guard TimelineView.showsToOthers(entry), entry.isVisible(to: responder, facilitator: isFacilitator) else { continue }
            notices.append(Notice(.entry, "\(stamp(entry.at)) \(entry.by): \(Session.summary(of: entry))"))
        }
        if clock.mode == .virtual {
            // A facilitator's `clock` sets the room's speed for every shell.
            if let speed = state.roomSpeed, speed != clock.speed {
                clock.catchUp(to: state.roomTime)
                clock.setSpeed(speed)
            }
            clock.catchUp(to: state.roomTime)
            if let anchor = state.clockAnchor { clock.follow(anchor: anchor) }
        }
        line.notices.append(contentsOf: notices)
        return notices
    }

    /// One line for an entry someone else recorded: what they typed, or what it says.
    static func summary(of entry: TranscriptEntry) -> String {
        let text = Display.firstLine(entry.text, limit: 160)
        switch entry.kind {
        case .command:
            return entry.input.map { Display.firstLine($0, limit: 160) } ?? text
        case .error:
            // A refused change: what they typed, and what had moved under it.
            let on = entry.data["conflict"]?.objectValue?["on"]?.stringValue ?? "what it depended on"
            return "'\(Display.firstLine(entry.input ?? "", limit: 80))' refused: the \(on) had moved since they looked"
        case .inject:
            return "INJECT: " + text
        case .facilitatorOnly:
            return (entry.data["private"] == "hint" ? "hint for \(entry.data["to"]?.stringValue ?? "?")" : entry.data["private"]?.stringValue ?? "whisper") + ": " + text
        case .note, .update, .statement, .hypothesis, .action, .amend, .retract, .escalation, .severity, .role, .milestone:
            if let input = entry.input { return Display.firstLine(input, limit: 160) }
            return text
        default:
            return text
        }
    }
}

// MARK: - When the store goes away

/// The shared store's connection as one shell knows it: reachable or not, and when to try
/// again (a delay doubling from 100 ms to 5 s).
struct StoreLink {
    static let firstDelay = 0.1
    static let longestDelay = 5.0
    /// Others' entries are fetched at least this often, should a notification be lost.
    static let refetchInterval = 5.0

    var reachable = true
    /// Why it is not (libpq's message, never a password).
    var reason = ""
    var lostAt = 0.0
    var retryAt = 0.0
    var delay = firstDelay
    /// When others' entries were last fetched (monotonic seconds).
    var lastFetch = 0.0
    /// Back after an outage: fetch what was missed at once.
    var justReconnected = false

    func fetchIsStale(at now: Double) -> Bool {
        now - lastFetch >= Self.refetchInterval
    }
}

/// What goes wrong in a shared room.
public enum RoomError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store lets this role read the incident but not write to it.
    case readOnly(incident: String)
    /// Another shell closed the incident; nothing more can be recorded.
    case closedElsewhere(by: String, at: Instant)
    /// A command acted outside the record (a load balancer change, a system command, the
    /// clock), then the store went away before it was recorded: it is recorded once it is back.
    case actedButUnrecorded(command: String, output: String, reason: String)

    public var description: String {
        switch self {
        case .readOnly(let incident):
            return "this role can read incident \(incident) but not write to it, so it cannot join the room; watch it with 'warroom watch \(incident)' (with the same --store), or ask for a role in warroom_writer (docs/STORE.md)"
        case .closedElsewhere(let by, let at):
            return "\(by) closed the incident at \(at.clockSeconds); nothing more can be recorded (read it with 'warroom timeline' or 'warroom postmortem' and the incident's id)"
        case .actedButUnrecorded(let command, _, let reason):
            return "'\(command)' was done, but is not recorded yet: the store is unreachable (\(reason)); it is recorded as soon as the store is back — keep this shell open"
        }
    }
}

extension Session {
    /// "not recorded: the store is unreachable; retry …": a command refused while the store is away.
    static func unreachableMessage(_ reason: String) -> String {
        "not recorded: the store is unreachable; retry (\(reason.isEmpty ? "no connection" : reason); reconnecting)"
    }

    /// Whether the shared store answered the last time this shell asked.
    public var storeReachable: Bool { roomShell.link.reachable }

    /// The descriptor the shell waits on besides the keyboard: readable when another shell
    /// recorded something or the connection broke; -1 when there is none.
    public var wakeDescriptor: Int32 {
        guard let room, roomShell.link.reachable else { return -1 }
        return room.wakeDescriptor
    }

    /// How long the shell may wait for a key before calling `tick()` again: a second, or less
    /// when a reconnection is due sooner.
    public var idleInterval: Double {
        guard room != nil, !roomShell.link.reachable else { return 1 }
        return max(0.05, min(1, roomShell.link.retryAt - clock.monotonicSeconds))
    }

    /// The store went away: say so once, and try again after a growing delay.
    func storeLost(_ reason: String) {
        guard room != nil else { return }
        let now = clock.monotonicSeconds
        if roomShell.link.reachable {
            roomShell.link.reachable = false
            roomShell.link.lostAt = now
            roomShell.link.delay = StoreLink.firstDelay
            line.notices.append(Notice(.store, "lost the store (\(reason)): nothing is recorded until it is back; reconnecting"))
        }
        roomShell.link.reason = reason
        roomShell.link.retryAt = now + roomShell.link.delay
    }

    /// Reconnects when the store is away and a try is due (`now`: try at once, as when a
    /// command was typed); once back, records what was owed and fetches what was missed.
    /// - Returns: whether the store is reachable.
    func reconnectIfDue(now force: Bool) -> Bool {
        guard let room, !roomShell.link.reachable else { return true }
        let now = clock.monotonicSeconds
        guard force || now >= roomShell.link.retryAt else { return false }
        do {
            try room.reconnect()
        } catch {
            if case TranscriptError.unreachable(_, let reason) = error { roomShell.link.reason = reason }
            roomShell.link.delay = min(StoreLink.longestDelay, roomShell.link.delay * 2)
            roomShell.link.retryAt = clock.monotonicSeconds + roomShell.link.delay
            return false
        }
        roomShell.link.reachable = true
        roomShell.link.justReconnected = true
        roomShell.link.delay = StoreLink.firstDelay
        line.notices.append(Notice(.store, "reconnected to the store after \(String(format: "%.1f", now - roomShell.link.lostAt)) s; catching up after #\(state.lastSeq)"))
        settleInDoubt()
        recordOwed()
        return roomShell.link.reachable
    }

    /// Asks the store, by their command ids, whether the lines whose commit the outage cut
    /// off are recorded, and says so: recorded after all (with their seqs), or not recorded
    /// (type it again if it still applies). Nothing is decided or recorded again here.
    func settleInDoubt() {
        guard let room, !roomShell.inDoubt.isEmpty else { return }
        var unsettled: [(command: CommandID, line: String)] = []
        for item in roomShell.inDoubt {
            let shown = Display.firstLine(item.line, limit: 80)
            do {
                let recorded = try room.entries(command: item.command)
                if let first = recorded.first, let last = recorded.last {
                    line.notices.append(Notice(.store, "'\(shown)' was recorded after all (#\(first.seq)\(last.seq == first.seq ? "" : "…#\(last.seq)")); nothing to type again"))
                    // Its notifications were never handed to the sender: they go now.
                    if recorded.contains(where: { $0.kind == .notify }) { pendingTakeOver = true }
                } else {
                    line.notices.append(Notice(.store, "'\(shown)' was not recorded; type it again if it still applies"))
                }
            } catch {
                unsettled.append(item)
            }
        }
        roomShell.inDoubt = unsettled
    }

    /// Records, after what the others recorded meanwhile, what this shell did while the store
    /// was away.
    func recordOwed() {
        guard !roomShell.owed.isEmpty else { return }
        let entries = roomShell.owed
        roomShell.owed = []
        let outer = recorder.commandID
        recorder.commandID = roomShell.owedCommand
        defer { recorder.commandID = outer }
        do {
            try refreshFromStore()
            for entry in entries { stage(entry) }
            try commitAfterOthers()
            roomShell.owedCommand = nil
            line.notices.append(Notice(.store, "recorded what was done while the store was away: " + entries.map { "\($0.kind.rawValue) at \($0.at.clockSeconds)" }.joined(separator: ", ")))
        } catch {
            discardStaged()
            roomShell.owed = entries
            if let reason = Session.lostStoreReason(error) { storeLost(reason) }
        }
    }

    // MARK: - Presence

    /// One responder in the room now.
    public struct Presence: Sendable, Equatable {
        public var responder: String
        /// The database logins its shells joined under, where they differ from the name.
        public var logins: [String] = []
        public var roles: [String]
        /// Shells open under this name.
        public var shells: Int
        /// The earliest of their joins, on the incident clock and in real time.
        public var joinedAt: Instant
        public var joinedWall: Instant

        /// `dana`, or `chloe as dana` when the database login is not the name typed under.
        public var shown: String {
            logins.isEmpty ? responder : "\(logins.joined(separator: ", ")) as \(responder)"
        }
    }

    /// Who is in the room now: the shells the record says joined and did not leave, kept to
    /// those the store still sees connected (a killed shell stops counting), by responder.
    /// - Returns: the responders present, in the order they joined, and the names of those
    ///   whose shells went away without leaving.
    /// - Throws: `TranscriptError.unreachable`.
    public func presence() throws -> (present: [Presence], gone: [String]) {
        let recorded = state.shells.values.sorted { ($0.joinedWall, $0.id) < ($1.joinedWall, $1.id) }
        let alive = try room?.present(among: recorded.map(\.id)) ?? Set(recorded.map(\.id))
        var present: [Presence] = []
        var gone: [String] = []
        for shell in recorded {
            guard alive.contains(shell.id) else {
                if !gone.contains(shell.responder) { gone.append(shell.responder) }
                continue
            }
            let index = present.firstIndex { $0.responder == shell.responder } ?? {
                present.append(Presence(responder: shell.responder, roles: state.roles(of: shell.responder), shells: 0,
                                        joinedAt: shell.joinedAt, joinedWall: shell.joinedWall))
                return present.count - 1
            }()
            present[index].shells += 1
            if let login = shell.login, login != shell.responder, !present[index].logins.contains(login) {
                present[index].logins.append(login)
                present[index].logins.sort()
            }
        }
        gone.removeAll { name in present.contains { $0.responder == name } }
        return (present, gone)
    }
}

/// What joining a room keeps of its record as it is read, entry by entry: the state, and the
/// entries the session is rebuilt from — the load balancer's commands, the status updates, a
/// drill facilitator's injects into the simulation. Not every entry: a long incident's join
/// holds what it needs, not the record.
public struct JoinFold {
    public private(set) var state = IncidentState()
    /// The entries kept, in order.
    public private(set) var kept: [TranscriptEntry] = []
    /// The first entry read, which must be `open`.
    public private(set) var first: TranscriptEntry?
    /// The last seq folded in (0 before any).
    public private(set) var lastSeq = 0

    public init() {}

    /// Folds the next entry in.
    public mutating func add(_ entry: TranscriptEntry) {
        if first == nil { first = entry }
        state.apply(entry)
        lastSeq = entry.seq
        if entry.kind == .lb || entry.kind == .update || SimulationInject(entry: entry) != nil { kept.append(entry) }
    }
}
