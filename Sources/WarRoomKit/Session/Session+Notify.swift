/// Notifications (`--notify`, docs/NOTIFY.md): a command that escalates, updates, changes the
/// severity, marks a milestone or closes records a `notify` entry for each receiver in the same
/// append as its own entries; once that append is in, the notifications are handed to the
/// background sender (an effect, made once, in the shell that typed the command). Each attempt's
/// result comes back as a `delivery` entry, recorded while the responder types or waits.
extension Session {
    /// How long leaving waits for an attempt under way to end.
    static let leaveDeliveryWait = 5.0
    /// How long `close` waits for its own notifications before writing the postmortem.
    static let closeDeliveryWait = 30.0
    /// How often an idle shell looks for notifications nobody is delivering.
    static let takeOverInterval = 15.0

    /// A commit found recorded after the store came back held notifications: look for them at the next tick.
    var pendingTakeOver: Bool {
        get { instruments.takeOverDue }
        set { instruments.takeOverDue = newValue }
    }

    /// The notify file's receivers and the sender that delivers to them.
    public var notifier: NotificationSender? { instruments.notifier }

    /// Attaches the receivers, and sends again what the record shows was never delivered: in a
    /// file's incident every such notification (its shell is gone); in a room those whose
    /// owner has gone, each taken over by one shell only (`takeOverNotifications`).
    /// - Returns: what to tell the responder.
    @discardableResult
    public func attachNotifier(_ config: NotifyConfig, poster: any NotificationPosting) -> [String] {
        instruments.notifier = NotificationSender(config: config, poster: poster)
        return takeOverNotifications()
    }

    /// Sends the notifications on the record that nobody is delivering: this shell's own that it
    /// is not sending (a commit whose answer was lost, then found recorded), and, in a room,
    /// those whose owner has left or stopped counting — claimed first by a `delivery` entry
    /// decided under the room's write lock, so that one shell takes each over, never two.
    /// - Returns: what to tell the responder.
    @discardableResult
    func takeOverNotifications() -> [String] {
        guard let notifier else { return [] }
        let me = roomShell.id
        func pending() -> [NotificationRecord] {
            // Not being sent (asked first: an attempt's result is handed over before it stops
            // counting as sent), no result waiting to be recorded, and a receiver this shell has.
            let idle = state.notifications.values.filter { $0.outcome == .pending && !notifier.isSending($0.seq) && notifier.canSend($0) }
            collectDeliveries()
            let waiting = Set(automation.unrecorded.compactMap { $0.entry.kind == .delivery ? $0.entry.data["notify"]?.intValue : nil })
            return idle.filter { !waiting.contains($0.seq) }.sorted { $0.seq < $1.seq }
        }
        guard !pending().isEmpty else { return [] }
        var mine: [NotificationRecord] = []
        if let room {
            do {
                try recorder.commit(lock: true, decide: { _ in
                    mine = []
                    try refreshFromStore()
                    let candidates = pending()
                    guard !candidates.isEmpty else { return }
                    let present = try room.present(among: Array(Set(candidates.compactMap(\.owner))))
                    for record in candidates {
                        if let owner = record.owner, owner == me {
                            mine.append(record)
                        } else if record.owner.map({ !present.contains($0) }) ?? true {
                            let key = "claim:\(record.seq):\(me ?? 0):\(state.lastSeq)"
                            stage(TranscriptEntry(seq: 0, at: max(clock.now, state.lastAt), wall: clock.wallNow, by: IncidentState.automaticAuthor,
                                                  kind: .delivery, phase: state.phase, step: state.step,
                                                  text: "Taken over by \(responder)'s shell: #\(record.seq) was not delivered and its shell has gone",
                                                  data: ["notify": .int(record.seq), "outcome": "claimed", "shell": me.map(JSONValue.int) ?? .null, "key": .string(key)]))
                            mine.append(record)
                        }
                    }
                })
            } catch {
                discardStaged()
                return ["could not take over the notifications left undelivered (\(error)); another shell will"]
            }
        } else {
            mine = pending()
        }
        var sent: [String] = []
        for record in mine {
            let current = state.notifications[record.seq] ?? record
            sent.append("#\(record.seq) \(record.channel) \(record.target)" + (notifier.send(current) ? "" : " (not in \(notifier.config.origin): not sent)"))
        }
        guard !sent.isEmpty else { return [] }
        return ["\(sent.count) notification\(sent.count == 1 ? " was" : "s were") not delivered; sending again: " + sent.joined(separator: ", ")]
    }

    /// Stages a `notify` entry for each receiver the entries staged since `index` call for, and
    /// the effect that sends them once they are committed.
    func stageNotifications(since index: Int) {
        guard let notifier, index < recorder.staged.count else { return }
        let fresh = Array(recorder.staged[index...])
        let join = isRoom ? "warroom join \(state.id)" : "warroom resume \(path)"
        var seqs: [Int] = []
        for var intent in NotificationPlan.intents(for: fresh, state: state, config: notifier.config, join: join) {
            if let shell = roomShell.id { intent.data["shell"] = .int(shell) }
            seqs.append(recorder.stage(intent).seq)
        }
        guard !seqs.isEmpty else { return }
        // Sent before the postmortem is written, so that it can say what came of them.
        let at = line.effects.firstIndex { if case .writePostmortem = $0 { return true } else { return false } } ?? line.effects.endIndex
        line.effects.insert(.deliver(seqs), at: at)
    }

    /// Hands committed notifications to the sender.
    func deliver(_ seqs: [Int]) -> String {
        guard let notifier else { return "" }
        var lines: [String] = []
        for seq in seqs {
            guard let record = state.notifications[seq] else { continue }
            if notifier.send(record) {
                lines.append("notify #\(seq): sending to \(record.channel == "pagerduty" ? "PagerDuty (\(record.target))" : record.target)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Takes the attempts that ended from the sender, to be recorded (by `catchUp`) once each.
    func collectDeliveries() {
        guard let notifier else { return }
        let now = max(clock.now, automation.caughtUpTo)
        for (index, result) in notifier.takeResults().enumerated() {
            let record = state.notifications[result.notify]
            let where_ = record.map { $0.channel == "pagerduty" ? "PagerDuty (\($0.target))" : $0.target } ?? "#\(result.notify)"
            let answer = result.answer.status.map { "HTTP \($0)" } ?? "no answer"
            let said = result.answer.said.isEmpty ? "" : ": \(Display.firstLine(result.answer.said, limit: 120))"
            var text: String
            switch result.outcome {
            case "delivered": text = "Delivered to \(where_) (attempt \(result.attempt), \(answer)\(said))"
            case "retrying": text = "Not delivered to \(where_) (attempt \(result.attempt), \(answer)\(said)); next attempt in \(DurationText.format(milliseconds: Int64(((result.retryIn ?? 0) * 1000).rounded())))"
            default: text = "NOT DELIVERED to \(where_) after \(result.attempt) attempt\(result.attempt == 1 ? "" : "s") (\(answer)\(said))"
            }
            var data: JSONObject = ["notify": .int(result.notify), "attempt": .int(result.attempt), "outcome": .string(result.outcome),
                                    "said": .string(String(result.answer.said.prefix(200)))]
            data["status"] = result.answer.status.map { .int($0) } ?? .null
            if let retryIn = result.retryIn { data["retry_in_s"] = .number(retryIn) }
            let key = "delivery:\(result.notify):\(result.attempt)"
            data["key"] = .string(key)
            let entry = TranscriptEntry(seq: 0, at: now, wall: clock.wallNow, by: IncidentState.automaticAuthor, kind: .delivery, text: text, data: data)
            let notice = result.outcome == "failed" ? Notice(.undelivered, "notify #\(result.notify): \(text)")
                : Notice(.notification, "notify #\(result.notify): \(text)")
            automation.unrecorded.append(Happening(at: now, order: 2_000_000 + index, entry: entry, notice: notice, key: key, group: ""))
        }
    }

    /// Before the shell stops: no new attempt starts, the ones under way end (at most
    /// `seconds`), and what they came to is recorded with what the shell records last. What is
    /// not delivered is sent again by the next shell (`attachNotifier`).
    /// - Returns: what the attempts that ended came to, to say as the shell stops.
    @discardableResult
    func settleDeliveries(waiting seconds: Double) -> [String] {
        guard let notifier else { return [] }
        notifier.stop(waiting: seconds)
        let before = automation.unrecorded.count
        collectDeliveries()
        return automation.unrecorded[before...].map(\.notice.text)
    }

    /// Stages the delivery results taken and not yet recorded (before a pause or a leave, which
    /// record nothing else that fell due).
    /// They stay among what is to be recorded until they are (a decision made again stages them
    /// again; one staged already is in the state's keys).
    func stageCollectedDeliveries() {
        let happenings = automation.unrecorded.filter { $0.entry.kind == .delivery && !state.automaticKeys.contains($0.key) }
        for happening in happenings {
            var entry = happening.entry
            entry.at = max(entry.at, state.lastAt)
            entry.phase = state.phase
            entry.step = state.step
            recorder.stage(entry)
        }
    }

    /// Records, after the close, what the close's own notifications came to (waiting at most
    /// `seconds` for them): the only entries a closed incident takes.
    func recordDeliveriesAfterClose(waiting seconds: Double) -> [String] {
        guard let notifier else { return [] }
        var lines: [String] = []
        if notifier.isBusy {
            lines.append("Waiting up to \(Int(seconds)) s for the close's notifications …")
            notifier.waitUntilIdle(seconds: seconds)
        }
        notifier.stop(waiting: 1)
        collectDeliveries()
        let happenings = automation.unrecorded.filter { $0.entry.kind == .delivery && !state.automaticKeys.contains($0.key) }
        guard !happenings.isEmpty else { return lines }
        lines += happenings.map(\.notice.text)
        stageCollectedDeliveries()
        do {
            try commitAfterOthers()
        } catch {
            discardStaged()
            lines.append("could not record what the close's notifications came to: \(error)")
        }
        return lines
    }
}
