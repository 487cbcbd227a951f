/// The milestones of an incident, in the order they normally happen.
public enum Milestone: String, Sendable, CaseIterable {
    case impactStart = "impact-start"
    case detected
    case acknowledged
    case escalated
    case mitigated
    case resolved
}

/// Where an incident stands in its life.
public enum IncidentStatus: String, Sendable {
    case open
    case paused
    case closed
}

/// A numbered hypothesis (H1, H2 …).
public struct Hypothesis: Sendable, Equatable {
    public enum Status: String, Sendable {
        case open
        case ruledOut = "ruled-out"
        case confirmed
    }

    public var id: String
    public var text: String
    public var status: Status
    public var raisedAt: Instant
    public var raisedBy: String
    public var seq: Int
    /// Why it was ruled out or confirmed.
    public var reason: String?
    public var resolvedAt: Instant?
    /// The entry that raised it was retracted.
    public var retracted = false
}

/// A numbered action item (A1, A2 …).
public struct ActionItem: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case mitigate
        case prevent
        case process
    }

    public var id: String
    public var text: String
    public var owner: String?
    public var type: Kind
    public var due: String?
    public var done: Bool
    public var seq: Int
    public var createdAt: Instant
    public var doneAt: Instant?
    /// The entry that added it was retracted.
    public var retracted = false
}

/// A milestone as recorded: when it took effect (backdating allowed) and by which entry.
public struct MilestoneRecord: Sendable, Equatable {
    public var time: Instant
    public var seq: Int
    public var by: String
    public var text: String
}

/// One shell in a shared room, as the record has it.
public struct RoomShell: Sendable, Equatable {
    /// Its id in the room (`data.shell`).
    public var id: Int
    /// Who types in it now (`as NAME` changes it).
    public var responder: String
    /// When it joined, on the incident clock and in real time.
    public var joinedAt: Instant
    public var joinedWall: Instant
    /// The database login that recorded the join, where the store keeps one.
    public var login: String? = nil
}

/// A statement for the postmortem (root cause, trigger, impact), latest first wins.
public struct Statement: Sendable, Equatable {
    public var text: String
    public var seq: Int
    public var at: Instant
    public var by: String
}

/// The whole state of an incident, rebuilt as a fold over its transcript entries; the shell
/// and the postmortem read the same figures.
///
/// `apply` is O(1) per entry (amounts to dictionary updates), so resuming a 100,000-entry
/// transcript costs one pass.
public struct IncidentState: Sendable {
    public var id = ""
    public var title = ""
    public var severity = "SEV-3"
    public var openedAt = Instant(milliseconds: 0)
    public var openedBy = ""
    public var status = IncidentStatus.open
    /// The `open` entry's data (playbook, scenario, clock, target).
    public var openData: JSONObject = [:]
    /// Role → name, in the order first assigned.
    public var roles: [(role: String, name: String)] = []
    /// The people who recorded entries (`TranscriptEntry.isByAPerson`), in order of appearance.
    public var responders: [String] = []
    public var milestones: [String: MilestoneRecord] = [:]
    /// Every hypothesis ever raised, retracted ones included (flagged), in order.
    public private(set) var allHypotheses: [Hypothesis] = []
    /// Every action item ever added, retracted ones included (flagged), in order.
    public private(set) var allActions: [ActionItem] = []
    private var hypothesisIndex: [String: Int] = [:]
    private var actionIndex: [String: Int] = [:]
    /// Each action as created, and the updates to it since, so withdrawing one update recomputes it.
    private var actionCreations: [String: ActionItem] = [:]
    private var actionUpdates: [String: [TranscriptEntry]] = [:]
    /// Hypotheses on the record (not retracted).
    public var hypotheses: [Hypothesis] { allHypotheses.filter { !$0.retracted } }
    /// Action items on the record (not retracted).
    public var actions: [ActionItem] { allActions.filter { !$0.retracted } }
    public var rootCause: Statement?
    public var trigger: Statement?
    public var impact: Statement?
    public var escalations: [(at: Instant, to: String, reason: String, seq: Int)] = []
    public var lastUpdateAt: Instant?
    /// What the transcript says about the playbook's steps and timers.
    public private(set) var steps = PlaybookRecord()
    /// The phase of the playbook's current step (or of its last step once complete); `nil`
    /// without a playbook.
    public var phase: String? { steps.currentPhase }
    /// The playbook's current step: what new entries are stamped with.
    public var step: String? { steps.currentStepID }
    /// Every alert monitoring fired or resolved, in order.
    public private(set) var alerts: [AlertRecord] = []
    /// Responders in a shared room by the record (joined and not left), with how many shells
    /// each has open; a shell that was killed never left, so `who` also asks the store.
    public private(set) var shellsByResponder: [String: Int] = [:]
    /// The shells in the room by the record, by their id (`data.shell` of `join`, `leave` and
    /// `as` entries): who types in each and since when. A killed shell never left; `who` asks
    /// the store which are still there.
    public private(set) var shells: [Int: RoomShell] = [:]
    /// Where the room's clock was at a known real time: the `open` entry's start, or where the
    /// last `advance` took it. At `--speed` above 0 a shared room's clock runs from here.
    public private(set) var clockAnchor: (at: Instant, wall: Instant)?
    /// The room's clock speed as a facilitator's `clock` last set it (`nil`: the opening's).
    public private(set) var roomSpeed: Double?
    /// The last speed above 0 a `clock` set, for `clock resume`.
    public private(set) var runningSpeed: Double?
    /// Notifications by the `seq` of their `notify` entry, with what came of them.
    public private(set) var notifications: [Int: NotificationRecord] = [:]
    /// The PagerDuty pages triggered, by team, with their dedup keys (`close` resolves them).
    public var pagesTriggered: [(team: String, dedupKey: String)] {
        notifications.values.filter { $0.channel == "pagerduty" && $0.action == "trigger" }.sorted { $0.seq < $1.seq }
            .reduce(into: [(team: String, dedupKey: String)]()) { pages, record in
                if !pages.contains(where: { $0.team == record.target }) { pages.append((record.target, record.dedupKey ?? "")) }
            }
    }
    /// Alerts firing now, by name.
    public private(set) var firingAlerts: [String: AlertRecord] = [:]
    public var closedAt: Instant?
    public var summary: String?
    /// Changes a step's `run` left undone (not confirmed), by step, until someone types them.
    public private(set) var leftUndone: [String: [String]] = [:]
    /// seq → corrected text.
    public var amendments: [Int: String] = [:]
    /// seq → reason.
    public var retractions: [Int: String] = [:]
    public var lastSeq = 0
    public var lastHash = HashChain.genesis
    public var lastAt = Instant(milliseconds: 0)
    /// Where the incident's clock is, as the record says: the latest entry's time, or where an
    /// `advance` took the clock, if later (every shell of a room follows it).
    public var roomTime = Instant(milliseconds: 0)
    /// Keys of what warroom and monitoring recorded by themselves (alerts, scenario events),
    /// so that several shells of one incident record each exactly once.
    public private(set) var automaticKeys: Set<String> = []
    public var entryCount = 0
    /// seq → what an amend or retract of that seq changes.
    var references: [Int: Reference] = [:]
    /// Statement history per kind, so a retraction falls back to the previous statement.
    var statementHistory: [String: [Statement]] = [:]

    /// seq of a target → the amendments to it (seq, text), in order; and its text before the first.
    var amendmentLog: [Int: [(seq: Int, text: String)]] = [:]

    enum Reference: Sendable {
        /// An `amend` entry, and the seq it corrects.
        case amendment(Int)
        case hypothesis(String)
        case action(String)
        case milestone(String)
        case statement(String)
        case other
    }

    public init() {}

    /// The author of what warroom records by itself (playbook timers, the pages they send,
    /// overdue steps); never counted as a responder.
    public static let automaticAuthor = "warroom"

    /// Whether `apply` reads the words (`text`, `input`) of an entry of `kind` only while a
    /// step's commands are left undone (it then compares each line's `input` with them): notes,
    /// commands and probes. A reader that folds only the state may leave their words unmade.
    public static func readsWordsOnlyWhileUndone(_ kind: EntryKind) -> Bool {
        kind == .note || kind == .command || kind == .probe
    }

    /// Builds the state from entries in order.
    public init(entries: some Sequence<TranscriptEntry>) {
        for entry in entries { apply(entry) }
    }

    /// The effective time of a milestone, if it was marked (and not retracted).
    public func milestone(_ milestone: Milestone) -> Instant? {
        milestones[milestone.rawValue]?.time
    }

    /// Who holds `role` now, if anyone.
    public func holder(of role: String) -> String? {
        roles.first { $0.role == role }?.name
    }

    /// The role held by `name`, if any.
    public func roles(of name: String) -> [String] {
        roles.filter { $0.name == name }.map(\.role)
    }

    public func hypothesis(_ id: String) -> Hypothesis? {
        hypothesisIndex[id.uppercased()].map { allHypotheses[$0] }.flatMap { $0.retracted ? nil : $0 }
    }

    public func action(_ id: String) -> ActionItem? {
        actionIndex[id.uppercased()].map { allActions[$0] }.flatMap { $0.retracted ? nil : $0 }
    }

    /// The phase implied by milestones when there is no playbook.
    public var milestonePhase: String {
        if milestones[Milestone.resolved.rawValue] != nil { return "resolved" }
        if milestones[Milestone.mitigated.rawValue] != nil { return "resolution" }
        if milestones[Milestone.escalated.rawValue] != nil { return "escalation" }
        if milestones[Milestone.acknowledged.rawValue] != nil { return "investigation" }
        return "detection"
    }

    /// The phase to show: the playbook's, else the one implied by milestones.
    public var currentPhase: String { phase ?? milestonePhase }

    /// A drill: the incident runs on a scenario's simulation, opened before anything is wrong.
    /// The scenario library's injects delivered so far, by name, in order.
    public private(set) var injectsDelivered: [String] = []
    /// The drill's facilitator (`warroom drill host`), when it has one.
    public var facilitator: String? { openData["facilitator"]?.stringValue }

    public var isDrill: Bool {
        guard let scenario = openData["scenario"] else { return false }
        return scenario != .null
    }

    /// A drill's trigger: the first change its scenario made to the load balancer (when and by
    /// whom), before which nothing had gone wrong.
    public private(set) var scenarioTrigger: (at: Instant, by: String)?

    /// The first alert monitoring fired, if any.
    public var firstAlert: AlertRecord? { alerts.first { $0.firing } }

    /// When the incident was first noticed: the first alert or `detected`, whichever came first.
    public var detectionOrigin: Instant? {
        switch (firstAlert?.at, milestone(.detected)) {
        case let (alert?, detected?): return min(alert, detected)
        case let (alert?, nil): return alert
        case let (nil, detected?): return detected
        case (nil, nil): return nil
        }
    }

    /// Folds one entry into the state.
    public mutating func apply(_ entry: TranscriptEntry) {
        lastSeq = entry.seq
        lastHash = entry.hash
        if entry.at > lastAt { lastAt = entry.at }
        if entry.at > roomTime { roomTime = entry.at }
        if entry.kind == .command, entry.data["command"] == "advance" || entry.data["command"] == "clock",
           let to = entry.data["to"]?.stringValue.flatMap(Instant.parseISO8601) {
            if to > roomTime { roomTime = to }
            clockAnchor = (to, entry.wall)
            if let speed = entry.data["speed"]?.doubleValue, Bounds.speed.contains(speed) {
                if speed > 0 { runningSpeed = speed }
                roomSpeed = speed
            }
        }
        if let key = entry.data["key"]?.stringValue { automaticKeys.insert(key) }
        if !leftUndone.isEmpty, let input = entry.input {
            // Typed after all: no longer left undone.
            for step in leftUndone.keys { leftUndone[step]?.removeAll { $0 == input } }
            leftUndone = leftUndone.filter { !$0.value.isEmpty }
        }
        if entry.kind == .command, let step = entry.data["step"]?.stringValue, let undone = entry.data["left_undone"]?.arrayValue {
            leftUndone[step, default: []] += undone.compactMap(\.stringValue)
        }
        entryCount += 1
        if entry.isByAPerson, !responders.contains(entry.by) { responders.append(entry.by) }
        steps.apply(entry)
        let data = entry.data
        switch entry.kind {
        case .open:
            id = data["incident"]?.stringValue ?? ""
            title = data["title"]?.stringValue ?? entry.text
            severity = data["severity"]?.stringValue ?? severity
            openedAt = entry.at
            openedBy = entry.by
            openData = data
            clockAnchor = (data["clock"]?.objectValue?["start"]?.stringValue.flatMap(Instant.parseISO8601) ?? entry.at, entry.wall)
        case .severity:
            severity = data["to"]?.stringValue ?? severity
        case .role:
            if let name = data["responder"]?.stringValue {
                // `as NAME`: who typed in one terminal; the incident's roles are unchanged.
                if let shell = data["shell"]?.intValue, shells[shell] != nil { shells[shell]?.responder = name }
            } else if let role = data["role"]?.stringValue, let name = data["name"]?.stringValue {
                if let index = roles.firstIndex(where: { $0.role == role }) {
                    roles[index].name = name
                } else {
                    roles.append((role, name))
                }
            }
        case .milestone:
            if let name = data["milestone"]?.stringValue {
                let time = data["time"]?.stringValue.flatMap(Instant.parseISO8601) ?? entry.at
                milestones[name] = MilestoneRecord(time: time, seq: entry.seq, by: entry.by, text: entry.text)
                references[entry.seq] = .milestone(name)
            }
        case .hypothesis:
            apply(hypothesis: entry)
        case .action:
            apply(action: entry)
        case .statement:
            if let kind = data["statement"]?.stringValue {
                let statement = Statement(text: entry.text, seq: entry.seq, at: entry.at, by: entry.by)
                statementHistory[kind, default: []].append(statement)
                setStatement(kind, statement)
                references[entry.seq] = .statement(kind)
            }
        case .escalation:
            escalations.append((entry.at, data["to"]?.stringValue ?? "", data["reason"]?.stringValue ?? "", entry.seq))
        case .update:
            lastUpdateAt = entry.at
        case .alert:
            if let alert = AlertRecord(entry: entry) {
                alerts.append(alert)
                if alert.firing { firingAlerts[alert.name] = alert } else { firingAlerts[alert.name] = nil }
            }
        case .amend:
            if let target = data["target"]?.intValue {
                amendmentLog[target, default: []].append((entry.seq, entry.text))
                references[entry.seq] = .amendment(target)
                applyAmend(target: target, text: entry.text)
            }
        case .retract:
            if let target = data["target"]?.intValue { applyRetract(target: target, reason: data["reason"]?.stringValue ?? entry.text) }
        case .pause:
            status = .paused
        case .resume:
            status = .open
        case .close:
            status = .closed
            closedAt = entry.at
            summary = data["summary"]?.stringValue
        case .join:
            let name = data["responder"]?.stringValue ?? entry.by
            shellsByResponder[name, default: 0] += 1
            if let shell = data["shell"]?.intValue {
                shells[shell] = RoomShell(id: shell, responder: name, joinedAt: entry.at, joinedWall: entry.wall, login: entry.login)
            }
        case .leave:
            let name = data["responder"]?.stringValue ?? entry.by
            if let count = shellsByResponder[name] { shellsByResponder[name] = count > 1 ? count - 1 : nil }
            if let shell = data["shell"]?.intValue { shells[shell] = nil }
        case .lb:
            if scenarioTrigger == nil, let change = LoadBalancerChangeRecord(entry: entry), change.action == "scenario-event", change.changesConfiguration {
                scenarioTrigger = (entry.at, change.by)
            }
        case .facilitatorOnly:
            break
        case .inject:
            if let name = data["inject"]?.stringValue { injectsDelivered.append(name) }
        case .notify:
            notifications[entry.seq] = NotificationRecord(entry: entry)
        case .delivery:
            if let seq = data["notify"]?.intValue { notifications[seq]?.apply(entry) }
        case .note, .command, .probe, .timer, .shell, .error, .phase, .step, .unknown, .highlight, .omit:
            break
        }
    }

    private mutating func apply(hypothesis entry: TranscriptEntry) {
        guard let id = entry.data["id"]?.stringValue else { return }
        let status = entry.data["status"]?.stringValue.flatMap(Hypothesis.Status.init(rawValue:)) ?? .open
        if let index = hypothesisIndex[id] {
            allHypotheses[index].status = status
            allHypotheses[index].reason = entry.data["reason"]?.stringValue ?? entry.text
            allHypotheses[index].resolvedAt = status == .open ? nil : entry.at
        } else {
            hypothesisCount = max(hypothesisCount, Int(id.dropFirst()) ?? 0)
            hypothesisIndex[id] = allHypotheses.count
            allHypotheses.append(Hypothesis(id: id, text: entry.text, status: status, raisedAt: entry.at, raisedBy: entry.by, seq: entry.seq))
        }
        references[entry.seq] = .hypothesis(id)
    }

    private mutating func apply(action entry: TranscriptEntry) {
        guard let id = entry.data["id"]?.stringValue else { return }
        if let index = actionIndex[id] {
            actionUpdates[id, default: []].append(entry)
            Self.update(&allActions[index], with: entry)
        } else {
            let done = entry.data["status"]?.stringValue == "done"
            actionCount = max(actionCount, Int(id.dropFirst()) ?? 0)
            let type = entry.data["type"]?.stringValue.flatMap(ActionItem.Kind.init(rawValue:)) ?? .prevent
            actionIndex[id] = allActions.count
            actionCreations[id] = ActionItem(id: id, text: entry.text, owner: entry.data["owner"]?.stringValue, type: type,
                                             due: entry.data["due"]?.stringValue, done: done, seq: entry.seq, createdAt: entry.at,
                                             doneAt: done ? entry.at : nil)
            allActions.append(ActionItem(id: id, text: entry.text, owner: entry.data["owner"]?.stringValue, type: type,
                                      due: entry.data["due"]?.stringValue, done: done, seq: entry.seq, createdAt: entry.at,
                                      doneAt: done ? entry.at : nil))
        }
        references[entry.seq] = .action(id)
    }

    /// Applies an update of an action (done, reopened, edited) to it.
    private static func update(_ action: inout ActionItem, with entry: TranscriptEntry) {
        let data = entry.data
        if let status = data["status"]?.stringValue {
            action.done = status == "done"
            action.doneAt = action.done ? entry.at : nil
        }
        if let owner = data["owner"]?.stringValue { action.owner = owner }
        if let due = data["due"]?.stringValue { action.due = due }
        if let type = data["type"]?.stringValue.flatMap(ActionItem.Kind.init(rawValue:)) { action.type = type }
    }

    private mutating func setStatement(_ kind: String, _ statement: Statement?) {
        switch kind {
        case "root_cause": rootCause = statement
        case "trigger": trigger = statement
        case "impact": impact = statement
        default: break
        }
    }

    /// The text of an entry before any amendment (kept when the first amendment arrives).
    var originalTexts: [Int: String] = [:]

    private mutating func applyAmend(target: Int, text: String) {
        if amendments[target] == nil, originalTexts[target] == nil { originalTexts[target] = currentText(of: target) }
        amendments[target] = text
        switch references[target] {
        case .hypothesis(let id):
            if let index = hypothesisIndex[id] {
                if allHypotheses[index].seq == target { allHypotheses[index].text = text } else { allHypotheses[index].reason = text }
            }
        case .action(let id):
            if let index = actionIndex[id], allActions[index].seq == target { allActions[index].text = text }
        case .statement(let kind):
            if var history = statementHistory[kind], let index = history.firstIndex(where: { $0.seq == target }) {
                history[index].text = text
                statementHistory[kind] = history
                setStatement(kind, history.last { retractions[$0.seq] == nil })
            }
        case .milestone(let name):
            if milestones[name]?.seq == target { milestones[name]?.text = text }
        case .amendment, .other, nil:
            break
        }
    }

    /// The text an amendable entry shows now, if the fold keeps it.
    private func currentText(of seq: Int) -> String? {
        switch references[seq] {
        case .hypothesis(let id):
            guard let index = hypothesisIndex[id] else { return nil }
            return allHypotheses[index].seq == seq ? allHypotheses[index].text : allHypotheses[index].reason
        case .action(let id):
            guard let index = actionIndex[id], allActions[index].seq == seq else { return nil }
            return allActions[index].text
        case .statement(let kind):
            return statementHistory[kind]?.first { $0.seq == seq }?.text
        case .milestone(let name):
            return milestones[name]?.seq == seq ? milestones[name]?.text : nil
        default:
            return nil
        }
    }

    private mutating func applyRetract(target: Int, reason: String) {
        retractions[target] = reason
        switch references[target] {
        case .amendment(let corrected):
            // Withdrawing a correction restores the text it replaced.
            amendmentLog[corrected]?.removeAll { $0.seq == target }
            amendments[corrected] = nil
            if let previous = amendmentLog[corrected]?.last {
                applyAmend(target: corrected, text: previous.text)
            } else if let original = originalTexts[corrected] {
                applyAmend(target: corrected, text: original)
                amendments[corrected] = nil
            }
        case .hypothesis(let id):
            if let index = hypothesisIndex[id] {
                if allHypotheses[index].seq == target {
                    allHypotheses[index].retracted = true
                } else {
                    allHypotheses[index].status = .open
                    allHypotheses[index].reason = nil
                    allHypotheses[index].resolvedAt = nil
                }
            }
        case .action(let id):
            if let index = actionIndex[id] {
                if allActions[index].seq == target {
                    allActions[index].retracted = true
                } else {
                    // Withdrawing an update (done, reopened, edited): the item is what its
                    // creation and the updates still on the record make it.
                    actionUpdates[id]?.removeAll { $0.seq == target }
                    var action = allActions[index]
                    let created = actionCreations[id]
                    action.done = created?.done ?? false
                    action.doneAt = created?.doneAt
                    action.owner = created?.owner
                    action.due = created?.due
                    action.type = created?.type ?? action.type
                    for update in actionUpdates[id] ?? [] { Self.update(&action, with: update) }
                    allActions[index] = action
                }
            }
        case .statement(let kind):
            setStatement(kind, statementHistory[kind]?.last { retractions[$0.seq] == nil })
        case .milestone(let name):
            if milestones[name]?.seq == target { milestones[name] = nil }
        case .other, nil:
            break
        }
    }

    /// The next free hypothesis number.
    public var nextHypothesisID: String { "H\(hypothesisCount + 1)" }
    /// The next free action number.
    public var nextActionID: String { "A\(actionCount + 1)" }

    /// Numbers are never reused, even after a retraction.
    var hypothesisCount = 0
    var actionCount = 0
}
