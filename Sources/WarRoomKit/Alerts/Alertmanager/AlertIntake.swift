import Crypto

/// Where `warroom intake` keeps the incidents it opens from alert groups: a folder of
/// transcripts, or a shared store. Found again from the record (the `open` entry's
/// `alert_group`), so a restarted intake continues the incidents it opened.
public protocol AlertDestination: AnyObject {
    /// Where new incidents are created.
    var provider: any IncidentStoreProvider { get }
    /// For log lines: the folder, or the store without its password.
    var label: String { get }
    /// The incidents opened for an alert group, oldest first.
    /// - Parameter fresh: look again, past anything kept from an earlier look.
    func incidents(group: String, fresh: Bool) throws -> [String]
    /// Opens an incident to append to.
    /// - Throws: `TranscriptError.locked` when a shell holds a file's incident; the store's errors.
    func open(incident: String) throws -> any TranscriptStore
    /// Done with it for this notification: a file is closed (its lock let go at once, for a
    /// responder to `resume`); a store's connection may be kept for the group's next one.
    /// `failed`: the last call on it threw (a connection that broke is not kept).
    func release(_ store: any TranscriptStore, incident: String, failed: Bool)
    /// Intake opened `incident` for `group`.
    func opened(_ incident: String, group: String)
}

/// Turns Alertmanager's notifications into incidents: one incident per alert group
/// (`groupKey`), opened by the group's first firing notification with its title, mapped
/// severity and routed playbook, its `detected` milestone at the earliest `startsAt`; later
/// notifications record new firing and resolved alerts as `alert` entries, once each however
/// often Alertmanager sends them again (each alert's key is its fingerprint, state and start).
///
/// A notification to an open incident is recorded in one append: all of it, or nothing. Opening
/// an incident is several appends (the open entry, the alerts, the playbook's first step); one
/// that fails part-way is completed by the retry, which finds the incident by its group. Either
/// way the caller answers 5xx on a failure, so that Alertmanager sends it again.
public final class AlertIntake {
    /// Who records what intake records.
    public static let author = "alertmanager"
    /// The state of incidents in a shared store, by id, as of the last notification: the next
    /// one reads only what was recorded since (a file's incident is read whole: its writer
    /// may have been anyone).
    private var states: [String: IncidentState] = [:]

    public let routes: AlertRoutes
    public let destination: any AlertDestination
    public let playbookFolders: [String]
    public let source: TimeSource
    /// Where `close` of an incident opened here writes its export (a room), and new transcripts (files).
    public let transcriptsFolder: String

    public init(routes: AlertRoutes, destination: any AlertDestination, playbookFolders: [String], transcriptsFolder: String, source: TimeSource) {
        self.routes = routes
        self.destination = destination
        self.playbookFolders = playbookFolders
        self.transcriptsFolder = transcriptsFolder
        self.source = source
    }

    /// What a notification came to.
    public struct Outcome: Sendable, Equatable {
        public enum Action: String, Sendable {
            /// A new incident was opened.
            case opened
            /// New alerts were recorded in the group's incident.
            case recorded
            /// Everything in it was recorded already (Alertmanager sent it again).
            case repeated
            /// Only resolved alerts, for a group whose incident is closed (or never opened).
            case ignored
        }

        public var action: Action
        public var incident: String
        /// Entries appended.
        public var entries: Int
        /// For the log line: what was decided (`SEV-1, playbook lb-cascading-failure`).
        public var detail: String

        /// `opened 2026-12-05-0345-messaging (6 entries) — SEV-1, playbook …`: intake's answer.
        public var text: String {
            var text = "\(action.rawValue)" + (incident.isEmpty ? "" : " \(incident)")
            if entries > 0 { text += " (\(entries) entr\(entries == 1 ? "y" : "ies"))" }
            if !detail.isEmpty { text += " — \(detail)" }
            return text
        }
    }

    /// Records one notification.
    /// - Throws: `TranscriptError` (the record could not be written: answer 5xx), `StartError`.
    public func receive(_ payload: AlertmanagerPayload) throws -> Outcome {
        var incidents = try destination.incidents(group: payload.groupKey, fresh: false)
        var closed: IncidentState?
        var opened: String?
        if let latest = incidents.last {
            let store = try destination.open(incident: latest)
            var failed = true
            defer { destination.release(store, incident: latest, failed: failed) }
            var state = store.isShared ? states[latest] ?? IncidentState(entries: []) : IncidentState(entries: [])
            for entry in try store.entries(after: state.lastSeq) { state.apply(entry) }
            if store.isShared { states[latest] = state }
            opened = latest
            if state.status != .closed {
                let (count, after) = try record(payload, in: store, state: state)
                if store.isShared { states[latest] = after }
                failed = false
                // Closed by a responder while this was decided: nothing went in; a new incident may.
                if after.status != .closed {
                    return Outcome(action: count == 0 ? .repeated : .recorded, incident: state.id, entries: count, detail: "")
                }
                state = after
            }
            failed = false
            states[latest] = nil
            closed = state
        }
        // A group whose incident closed opens a new one when it fires again: an alert firing
        // that the closed incident did not record (Alertmanager repeating one it did, or a
        // resolution, is not news).
        // Another intake (or `start --alert`) may have opened one since the last look.
        if closed != nil {
            incidents = try destination.incidents(group: payload.groupKey, fresh: true)
            // Named as the destination names it (a file's stem, which a rename may have made
            // differ from the incident's id).
            if let newer = incidents.last, newer != opened { return try receive(payload) }
        }
        let news = payload.alerts.filter { $0.firing && !(closed?.automaticKeys.contains($0.key) ?? false) }
        guard !news.isEmpty else {
            return Outcome(action: .ignored, incident: incidents.last ?? "", entries: 0,
                           detail: closed.map { "the group's incident \($0.id) is closed, and a resolution or an alert it recorded opens no new one" }
                               ?? "only resolved alerts, for a group with no incident")
        }
        let (session, detail) = try open(payload)
        let id = session.state.id
        destination.opened(id, group: payload.groupKey)
        // A file's incident is paused for a responder to `resume`; a room stays open for them to `join`.
        if !session.isRoom { session.pauseIfOpen(reason: "opened from an alert; a responder takes it with 'warroom resume'") }
        let count = session.state.lastSeq
        session.store.close()
        return Outcome(action: .opened, incident: id, entries: count, detail: detail)
    }

    /// Opens the group's incident (`start --alert` does the same, with a shell).
    func open(_ payload: AlertmanagerPayload) throws -> (Session, String) {
        var options = StartOptions(responder: Self.author, transcriptsFolder: transcriptsFolder)
        options.provider = destination.provider
        options.playbookFolders = playbookFolders
        options.alertService = true
        return try Self.open(payload, routes: routes, options: options, source: source)
    }

    /// Opens an incident for an alert group: title, severity and playbook from the routes, the
    /// alerts and `detected` recorded before the playbook's first step begins, so that its
    /// timebox and the escalation timers count from the alert.
    /// - Returns: the session, and what was decided (for a log line or a banner).
    public static func open(_ payload: AlertmanagerPayload, routes: AlertRoutes, options given: StartOptions, source: TimeSource) throws -> (Session, String) {
        let decision = routes.decide(payload)
        var options = given
        let title = Display.firstLine(payload.title, limit: 200)
        // A summary that expanded to nothing names no incident: the alert's name does.
        options.title = options.title ?? (title.allSatisfy(\.isWhitespace) ? payload.alerts.first?.name ?? "Alert" : title)
        options.severity = options.severity ?? decision.severity
        options.target = options.target ?? "none"
        options.alerts = payload
        var notes: [String] = []
        if options.playbook != nil || options.freeForm {
            // Named on the command line (`start --alert FILE --playbook P`).
        } else if let playbook = decision.playbook {
            options.playbook = playbook
        } else {
            options.freeForm = true
            if decision.route == nil, !routes.routes.isEmpty {
                notes.append("no route in \(routes.origin) matches \(Self.labelText(payload)); opened without a playbook")
            }
        }
        let session: Session
        do {
            (session, _) = try Session.start(options, source: source)
        } catch where !(error is TranscriptError) && decision.playbook != nil && options.playbook == decision.playbook {
            // A route naming a playbook that cannot be loaded still opens the incident: an
            // alert is never lost to a mistyped route.
            options.playbook = nil
            options.freeForm = true
            notes.append("\(decision.route == nil ? "the default playbook" : "the route's playbook") '\(decision.playbook ?? "")' cannot be used (\(error)); opened without a playbook")
            (session, _) = try Session.start(options, source: source)
        }
        for note in notes {
            try session.record(.note, text: note, data: ["source": "alertmanager"])
        }
        try session.recorder.commitStaged()
        let detail = "\(options.severity ?? ""), " + (options.playbook.map { "playbook \($0)" } ?? "no playbook")
            + (decision.route.map { " (route \($0.origin))" } ?? "")
        return (session, detail)
    }

    /// Appends what is new in `payload` to an open incident, retrying on a moved head.
    /// - Returns: how many entries were appended, and the state with them.
    func record(_ payload: AlertmanagerPayload, in store: any TranscriptStore, state recorded: IncidentState) throws -> (Int, IncidentState) {
        var state = recorded
        for attempt in 1...IncidentRecorder.maximumAttempts {
            // Nothing goes on the record after its close.
            guard state.status != .closed else { return (0, state) }
            let drafts = Self.drafts(payload, state: state, now: source.wallNow())
            guard !drafts.isEmpty else { return (0, state) }
            // The same notification sent again carries the same id: a store that lost the
            // acknowledgement finds the entries recorded already.
            let keys = drafts.compactMap { $0.data["key"]?.stringValue }.joined(separator: "\n")
            let command = CommandID(HashChain.hex(SHA256.hash(data: Array((state.id + "\n" + keys).utf8)).prefix(16)))
            do {
                let written = try store.append(drafts, after: TranscriptHead(seq: state.lastSeq, hash: state.lastHash), command: command)
                guard written.first?.seq == drafts.first?.seq else {
                    // Recorded already (an acknowledgement lost and the notification sent again).
                    for entry in try store.entries(after: state.lastSeq) { state.apply(entry) }
                    return (0, state)
                }
                for entry in written { state.apply(entry) }
                return (written.count, state)
            } catch TranscriptError.headMoved where attempt < IncidentRecorder.maximumAttempts {
                for entry in try store.entries(after: state.lastSeq) { state.apply(entry) }
            }
        }
        return (0, state)
    }

    /// The entries a notification adds to an incident in `state`: each alert not recorded yet,
    /// and `detected` at the earliest start of a firing alert when nothing marked it.
    public static func drafts(_ payload: AlertmanagerPayload, state: IncidentState, now: Instant) -> [TranscriptEntry] {
        let at = max(now, state.lastAt)
        var drafts: [TranscriptEntry] = []
        var seen = state.automaticKeys
        var firstFiring: (alert: AlertmanagerPayload.Alert, seq: Int)?
        for alert in payload.alerts.sorted(by: { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }) where !seen.contains(alert.key) {
            seen.insert(alert.key)
            var data: JSONObject = [
                "alert": .string(alert.name), "state": .string(alert.firing ? "firing" : "resolved"),
                "since": .string(alert.startsAt.iso8601), "source": "alertmanager", "fingerprint": .string(alert.fingerprint),
                "group": .string(payload.groupKey), "key": .string(alert.key),
                "labels": .object(JSONObject(alert.labels.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value)) })),
                "annotations": .object(JSONObject(alert.annotations.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value)) })),
            ]
            if let ends = alert.endsAt { data["ended"] = .string(ends.iso8601) }
            if !alert.generatorURL.isEmpty { data["generator_url"] = .string(alert.generatorURL) }
            if let summary = alert.annotations["summary"] { data["summary"] = .string(summary) }
            let severity = alert.labels["severity"].map { " (\($0))" } ?? ""
            let text = alert.firing
                ? "Alert \(alert.name) firing\(severity) since \(alert.startsAt.clockSeconds): \(alert.summary)"
                : "Alert \(alert.name) resolved" + (alert.endsAt.map { " at \($0.clockSeconds)" } ?? "") + ": \(alert.summary)"
            let seq = state.lastSeq + drafts.count + 1
            drafts.append(TranscriptEntry(seq: seq, at: at, wall: now, by: author, kind: .alert, phase: state.phase, step: state.step,
                                          text: Display.firstLine(text, limit: 500), data: data))
            if alert.firing, firstFiring == nil || alert.startsAt < firstFiring!.alert.startsAt { firstFiring = (alert, seq) }
        }
        if let first = firstFiring, state.milestones[Milestone.detected.rawValue] == nil {
            // Detected when the alert began firing (never later than it was recorded).
            let time = min(first.alert.startsAt, at)
            drafts.append(TranscriptEntry(seq: state.lastSeq + drafts.count + 1, at: at, wall: now, by: author, kind: .milestone,
                                          phase: state.phase, step: state.step, text: "alert \(first.alert.name) fired",
                                          data: ["milestone": "detected", "time": .string(time.iso8601), "alert": .string(first.alert.name),
                                                 "alert_seq": .int(first.seq)]))
        }
        return drafts
    }

    static func labelText(_ payload: AlertmanagerPayload) -> String {
        let labels = payload.commonLabels.isEmpty ? payload.alerts.first?.labels ?? [:] : payload.commonLabels
        return "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
    }
}
