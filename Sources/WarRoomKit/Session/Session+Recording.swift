/// Recording: commands decide what to record, the session stages it (folding it into the state
/// at once, so the rest of the command sees it), and commits everything one line staged to the
/// store in one append — one write and one fsync for a file — once the command has decided.
extension Session {
    /// The incident clock's reading for this line.
    public var now: Instant { clock.now }
    /// Real time for this line.
    public var wallNow: Instant { clock.wallNow }
    /// The time `--at TIME` gave the line being handled.
    public var backdate: Instant? { line.backdate }

    /// The line as typed, for the first entry it records: each line's input is recorded once.
    public func takeInput() -> String? {
        defer { line.input = nil }
        return line.input
    }

    /// `--at TIME` on a recording command: the instant, checked for order — not after the
    /// incident clock (the future), not before the incident began.
    /// - Throws: `CommandError` saying what is wrong and what to type.
    func resolveBackdate(_ text: String, usage: String) throws -> Instant {
        let now = clock.now
        guard let time = TimeExpression.resolve(text, now: now, earliest: state.openedAt) else {
            throw CommandError.usage(usage, "'\(text)' is not a time (HH:MM[:SS]Z, an ISO-8601 instant such as 2019-07-02T13:42:00Z, or -15m)")
        }
        guard time <= now else {
            throw CommandError.invalid("--at \(text) is \(time.iso8601Seconds), after the incident clock (\(now.iso8601Seconds)); move the clock first with 'at TIME', or give an earlier time")
        }
        guard time >= state.openedAt else {
            throw CommandError.invalid("--at \(text) is \(time.iso8601Seconds), before the incident began (\(state.openedAt.iso8601Seconds)); writing up an incident after the fact, start it at its first event with 'warroom start --from TIME'")
        }
        return time
    }

    /// Folds `draft` into the state under the next `seq` and keeps it for the commit.
    @discardableResult
    public func stage(_ draft: TranscriptEntry) -> TranscriptEntry {
        recorder.stage(draft)
    }

    /// The reason the store gave when `error` says it went away (before or during a commit).
    static func lostStoreReason(_ error: any Error) -> String? {
        switch error {
        case TranscriptError.unreachable(_, let reason), TranscriptError.inDoubt(_, let reason, _): return reason
        default: return nil
        }
    }

    /// Drops what was staged and not committed (the command failed), and what it was to do
    /// afterwards; the state is what is recorded again.
    func discardStaged() {
        line.effects = []
        recorder.discardStaged()
    }

    // MARK: - What falls due

    /// Records what happened on the incident clock since the last command, in time order:
    /// monitoring alerts and scenario events (a drill's), and playbook timers (escalation
    /// reminders, status-update reminders, timeboxes), each at its own time, so an `advance`
    /// over several of them records every one where it belongs. Each is folded before the
    /// next is decided: a timebox that counts from the first alert fires on the same advance.
    func catchUp() throws {
        // What is recorded (by this shell or another) is no longer to be found.
        automation.unrecorded.removeAll { state.automaticKeys.contains($0.key) }
        collectDeliveries()
        let now = clock.now
        // What fell due was not typed: the line being handled belongs to the command's own entry.
        let typed = line.input
        line.input = nil
        defer { line.input = typed }
        let wall = clock.wallNow
        if now >= automation.caughtUpTo {
            for (index, transition) in try alertTransitions(through: now).enumerated() {
                var data = transition.data
                let key = "alert:\(transition.rule.name):\(transition.firing ? "firing" : "resolved"):\(transition.at.iso8601)"
                data["key"] = .string(key)
                let entry = TranscriptEntry(seq: 0, at: transition.at, wall: wall, by: AlertMonitor.author, kind: .alert, text: transition.text, data: data)
                automation.unrecorded.append(Happening(at: transition.at, order: index, entry: entry, notice: Notice(.alert, "[\(stamp(transition.at))] \(transition.text)"),
                                            key: key, group: "alert \(transition.rule.name) \(transition.firing)"))
            }
            for (index, event) in try targetEvents(through: now).enumerated() {
                var data = event.data
                let key = "config:v\(data["version"]?.intValue ?? 0):\(event.at.iso8601)"
                data["key"] = .string(key)
                let entry = TranscriptEntry(seq: 0, at: event.at, wall: wall, by: event.by, kind: .lb, text: event.text, data: data)
                automation.unrecorded.append(Happening(at: event.at, order: 1_000_000 + index, entry: entry,
                                            notice: Notice(.change, "\(stamp(event.at)) \(Display.firstLine(event.text)) (by \(event.by))"), key: key, group: ""))
            }
        }
        // Another shell may have recorded some of them already.
        let happenings = automation.unrecorded.filter { !state.automaticKeys.contains($0.key) }.sorted { ($0.at, $0.order) < ($1.at, $1.order) }
        var notices: [(notice: Notice, key: String, at: Instant)] = []
        var cursor = automation.caughtUpTo
        for happening in happenings {
            notices.append(contentsOf: stageTimers(from: cursor, through: happening.at, wall: wall))
            var entry = happening.entry
            entry.phase = state.phase
            entry.step = state.step
            stage(entry)
            notices.append((happening.notice, happening.group, happening.at))
            cursor = max(cursor, happening.at)
        }
        notices.append(contentsOf: stageTimers(from: cursor, through: max(now, cursor), wall: wall))
        line.notices.append(contentsOf: Session.summarised(notices))
        automation.caughtUpTo = max(automation.caughtUpTo, now)
    }

    /// Something warroom or monitoring found by itself, to record at its own time.
    struct Happening {
        var at: Instant
        var order: Int
        var entry: TranscriptEntry
        var notice: Notice
        /// Its key in the record (`data.key`), so that it is recorded once in a shared room.
        var key: String
        /// Repeats of the same group are summarised on screen.
        var group: String
    }

    /// Stages the playbook timers due in `(from, through]`, each at its time.
    private func stageTimers(from: Instant, through: Instant, wall: Instant) -> [(notice: Notice, key: String, at: Instant)] {
        guard let progress, through >= from else { return [] }
        var notices: [(notice: Notice, key: String, at: Instant)] = []
        for firing in progress.dueTimers(from: from, through: through) {
            for draft in firing.entries {
                var entry = draft.entry(seq: 0, now: firing.due, wall: wall, by: IncidentState.automaticAuthor)
                if entry.phase == nil { entry.phase = state.phase }
                if entry.step == nil { entry.step = state.step }
                stage(entry)
            }
            let key = "timer \(firing.kind.rawValue) \(firing.rule.map(String.init) ?? "") \(firing.step ?? "")"
            notices.append((Notice(.reminder, firing.message), key, firing.due))
        }
        return notices
    }

    /// Repeated reminders (a status update due every 30 minutes over a long `advance`) become
    /// one line with a count and the last time; everything else is shown as it came.
    static func summarised(_ notices: [(notice: Notice, key: String, at: Instant)]) -> [Notice] {
        var counts: [String: Int] = [:]
        for item in notices where !item.key.isEmpty { counts[item.key, default: 0] += 1 }
        var shown: [Notice] = []
        var lastOfKey: [String: Int] = [:]
        for (index, item) in notices.enumerated() where !item.key.isEmpty { lastOfKey[item.key] = index }
        for (index, item) in notices.enumerated() {
            guard !item.key.isEmpty, let count = counts[item.key], count > 1 else {
                shown.append(item.notice)
                continue
            }
            // Shown once, where the last of them came, with how many there were.
            guard lastOfKey[item.key] == index else { continue }
            shown.append(Notice(item.notice.kind, item.notice.text + " (×\(count) during the advance; this is the last)"))
        }
        return shown
    }
}
