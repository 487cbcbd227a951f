/// The playbook's timers on the incident clock. Due times are computed directly from the
/// milestones, updates and step start times (no ticking), so evaluating a day-long `advance`
/// costs the same as a one-second one, plus one firing per reminder that came due.
extension PlaybookProgress {
    /// Every timer firing due in `(from, through]`, in time order, each with its exact due time.
    ///
    /// - Escalation rules fire at `after` past `detected` (or the incident's opening when
    ///   `detected` was never marked), unless their `unless` milestone came first.
    /// - Status-update reminders fire every `status_updates` from `detected` (or the opening),
    ///   counting again from the last `update` once one is posted.
    /// - The current step's timebox fires once it has been current that long.
    ///
    /// Escalations and reminders stop once `resolved` is recorded. A one-shot timer (escalation,
    /// timebox) that came due at or before `from` and never fired (`detected` marked with a
    /// time in the past) is included too, recorded at `from`; a reminder is only counted in
    /// `(from, through]`, so a long pause does not bring a flood of them. Firing is
    /// idempotent: once its entries are applied, a timer is not returned again.
    /// - Parameters:
    ///   - from: the incident time already evaluated (the previous call's `through`).
    ///   - through: the incident time now.
    /// - Returns: the firings, ordered by the time to record them.
    public func dueTimers(from: Instant, through: Instant) -> [TimerFiring] {
        var firings: [TimerFiring] = []
        let resolved = milestones["resolved"]
        if let anchor = detectedAt {
            for (index, rule) in playbook.escalation.enumerated() where !firedEscalations.contains(index) {
                let due = anchor + rule.after
                guard due <= through, isLive(rule, due: due, resolved: resolved) else { continue }
                firings.append(escalationFiring(index, rule, due: due, recordAt: max(due, from)))
            }
            if let interval = playbook.statusUpdateInterval {
                let origin = reminderOrigin(anchor: anchor)
                var lower = from
                if let last = lastReminderDue, last > lower { lower = last }
                var k = lower >= origin ? (lower - origin) / interval + 1 : 1
                while true {
                    let due = origin + k * interval
                    if due > through { break }
                    if let resolved, due >= resolved { break }
                    firings.append(reminderFiring(due: due, interval: interval))
                    k += 1
                }
            }
        }
        if let step = currentStep, let box = step.timebox, let start = timeboxStart(of: step.id) {
            let due = start + box
            if due <= through, !firedTimeboxes.contains(TimeboxKey(step: step.id, due: due)) {
                firings.append(timeboxFiring(step, box: box, due: due, recordAt: max(due, from)))
            }
        }
        return firings.enumerated().sorted { a, b in
            (a.element.recordAt, a.element.due, a.offset) < (b.element.recordAt, b.element.due, b.offset)
        }.map(\.element)
    }

    /// The next timer to fire after `now`, for the prompt and `status`.
    /// - Parameter now: the incident time.
    /// - Returns: the earliest timer due after `now`, or `nil` when none is pending.
    public func nextTimer(after now: Instant) -> PlaybookNextTimer? {
        var candidates: [PlaybookNextTimer] = []
        let resolved = milestones["resolved"]
        if let anchor = detectedAt {
            for (index, rule) in playbook.escalation.enumerated() where !firedEscalations.contains(index) {
                let due = anchor + rule.after
                guard due > now, isLive(rule, due: due, resolved: resolved) else { continue }
                candidates.append(PlaybookNextTimer(kind: .escalation, due: due, label: "escalation rule: page \(rule.page)"))
            }
            if let interval = playbook.statusUpdateInterval, resolved == nil {
                let origin = reminderOrigin(anchor: anchor)
                var lower = now
                if let last = lastReminderDue, last > lower { lower = last }
                let k = lower >= origin ? (lower - origin) / interval + 1 : 1
                candidates.append(PlaybookNextTimer(kind: .statusUpdate, due: origin + k * interval, label: "status update"))
            }
        }
        if let step = currentStep, let box = step.timebox, let start = timeboxStart(of: step.id) {
            let due = start + box
            if due > now, !firedTimeboxes.contains(TimeboxKey(step: step.id, due: due)) {
                candidates.append(PlaybookNextTimer(kind: .timebox, due: due, label: "timebox of \(step.id)"))
            }
        }
        return candidates.enumerated().min { ($0.element.due, $0.offset) < ($1.element.due, $1.offset) }?.element
    }

    // MARK: - Firings

    /// A rule is live unless its `unless` milestone, or `resolved`, came at or before its due time.
    func isLive(_ rule: Playbook.EscalationRule, due: Instant, resolved: Instant?) -> Bool {
        if let resolved, resolved <= due { return false }
        if let unless = rule.unless, let reached = milestones[unless], reached <= due { return false }
        return true
    }

    /// Reminders count from the last update, or from detection when none was posted since.
    func reminderOrigin(anchor: Instant) -> Instant {
        guard let lastUpdateAt, lastUpdateAt > anchor else { return anchor }
        return lastUpdateAt
    }

    func escalationFiring(_ index: Int, _ rule: Playbook.EscalationRule, due: Instant, recordAt: Instant) -> TimerFiring {
        let condition = rule.unless.map { ", not \($0)" } ?? ""
        let why = "\(PlaybookText.duration(rule.after)) after detection\(condition)"
        // A reminder that the rule says to page: nobody was paged until a responder escalates.
        let text = "Escalation rule \(index + 1) says: page \(rule.page)" + (rule.note.map { " — \($0)" } ?? "") + " (\(why))"
        var timerData: JSONObject = ["timer": "escalation", "due": .string(due.iso8601), "page": .string(rule.page), "rule": .int(index)]
        if recordAt != due { timerData["late"] = .bool(true) }
        let entries = [
            PlaybookEntryDraft(kind: .timer, text: text, data: timerData, phase: currentPhase, step: currentStepID, at: recordAt),
        ]
        let message = "[\(stamp(due))] \(text). Page them, then record it with `escalate \(rule.page) REASON`."
        return TimerFiring(kind: .escalation, due: due, recordAt: recordAt, rule: index, page: rule.page, step: nil, message: message, entries: entries)
    }

    /// `03:45Z`, or `11-06 03:45Z` once the incident has crossed midnight.
    func stamp(_ instant: Instant) -> String {
        instant.date == openedAt.date ? instant.clockMinutes : "\(instant.date.dropFirst(5)) \(instant.clockMinutes)"
    }

    func reminderFiring(due: Instant, interval: Int64) -> TimerFiring {
        let since = lastUpdateAt.map { "the last one was at \($0.clockMinutes)" } ?? "none posted yet"
        let text = "Status update due (every \(PlaybookText.duration(interval)); \(since))"
        let entry = PlaybookEntryDraft(kind: .timer, text: text, data: ["timer": "status-update", "due": .string(due.iso8601)],
                                       phase: currentPhase, step: currentStepID, at: due)
        let message = "[\(stamp(due))] \(text): tell stakeholders what is known, what is being done and when the next update comes, with `update TEXT`."
        return TimerFiring(kind: .statusUpdate, due: due, recordAt: due, rule: nil, page: nil, step: nil, message: message, entries: [entry])
    }

    func timeboxFiring(_ step: Playbook.Step, box: Int64, due: Instant, recordAt: Instant) -> TimerFiring {
        let phase = playbook.phase(ofStep: step.id)?.name
        let text = "Step \(step.id) is overdue: its \(PlaybookText.duration(box)) timebox ran out"
        var timerData: JSONObject = ["timer": "timebox", "due": .string(due.iso8601), "step": .string(step.id)]
        if recordAt != due { timerData["late"] = .bool(true) }
        let entries = [
            PlaybookEntryDraft(kind: .timer, text: text, data: timerData, phase: phase, step: step.id, at: recordAt),
            PlaybookEntryDraft(kind: .step, text: "Step \(step.id) — \(step.title) is overdue",
                               data: ["step": .string(step.id), "status": "overdue"], phase: phase, step: step.id, at: recordAt),
        ]
        let message = "[\(stamp(due))] \(text). Finish it with `done`, ask for help, or `skip \(step.id) REASON`."
        return TimerFiring(kind: .timebox, due: due, recordAt: recordAt, rule: nil, page: nil, step: step.id, message: message, entries: entries)
    }
}
