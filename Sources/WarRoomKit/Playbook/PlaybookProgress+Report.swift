/// What the prompt, `status` and `steps` show about the playbook.
public struct PlaybookStatus: Sendable, Equatable {
    /// The current phase (the prompt shows it), or the last one once the playbook is complete.
    public var phase: String?
    public var stepID: String?
    public var stepTitle: String?
    public var stepStatus: PlaybookProgress.StepStatus?
    /// 1-based position of the current step in reading order.
    public var stepNumber: Int?
    public var stepCount: Int
    public var doneCount: Int
    public var skippedCount: Int
    /// The next playbook timer due, for the prompt.
    public var nextTimer: PlaybookNextTimer?
    /// Every step is behind us.
    public var finished: Bool

    /// One line for `status`: `investigation · step 5/14 rule-out-db — Rule out the database (current) · next timer 04:15Z status update`.
    public var summary: String {
        var parts: [String] = []
        if let stepID, let stepNumber {
            parts.append("\(phase ?? "-") · step \(stepNumber)/\(stepCount) \(stepID) — \(stepTitle ?? "") (\(stepStatus?.rawValue ?? "current"))")
        } else if finished {
            parts.append("playbook complete (\(doneCount) done, \(skippedCount) skipped of \(stepCount) steps)")
        } else {
            parts.append("playbook not started")
        }
        if let nextTimer {
            parts.append("next timer \(nextTimer.due.clockMinutes) \(nextTimer.label)")
        }
        return parts.joined(separator: " · ")
    }
}

extension PlaybookProgress {
    /// The playbook's part of the prompt and of `status`.
    /// - Parameter now: the incident time, to find the next timer.
    /// - Returns: phase, current step, counts and the next timer.
    public func status(at now: Instant) -> PlaybookStatus {
        let step = currentStep
        let settled = statuses.values
        return PlaybookStatus(
            phase: currentPhase, stepID: step?.id, stepTitle: step?.title, stepStatus: step.map { status(of: $0.id) },
            stepNumber: step.flatMap { playbook.locations[$0.id].map { $0.order + 1 } }, stepCount: playbook.stepCount,
            doneCount: settled.filter { $0 == .done }.count, skippedCount: settled.filter { $0 == .skipped }.count,
            nextTimer: nextTimer(after: now), finished: finished)
    }

    /// The `steps` listing: every step by phase with its status, times and marks.
    ///
    ///     detection
    ///       done      acknowledge       Acknowledge the page            03:47Z  (overdue)
    ///     > current   confirm-errors    Confirm the error rate          since 03:47Z, 3m of 5m
    /// - Parameter now: the incident time, for how long the current step has run.
    /// - Returns: plain text, one line per step, aligned.
    public func stepsReport(at now: Instant) -> String {
        let idWidth = min(28, playbook.stepIDs.map(\.count).max() ?? 0)
        let titleWidth = min(44, playbook.allSteps.map(\.title.count).max() ?? 0)
        var lines: [String] = ["\(playbook.title) (\(playbook.id) v\(playbook.version))"]
        // A pending step before the furthest step reached lies on a branch the path did not take.
        let reached = playbook.allSteps.filter { status(of: $0.id) != .pending }.compactMap { playbook.locations[$0.id]?.order }.max()
        let furthest = finished ? playbook.stepCount : reached ?? -1
        for phase in playbook.phases {
            lines.append(phase.name + (phase.name == currentPhase && currentStepID != nil ? "  <- current phase" : ""))
            for step in phase.steps {
                let state = status(of: step.id)
                let marker = step.id == currentStepID ? ">" : " "
                var detail = ""
                switch state {
                case .current, .overdue:
                    if let start = stepStartedAt[step.id] {
                        detail = "since \(start.clockMinutes)"
                        if let box = step.timebox {
                            if let origin = timeboxStart(of: step.id) {
                                detail += ", \(PlaybookText.elapsed(now - origin)) of \(PlaybookText.duration(box))"
                                if origin > start { detail += " (counted from \(origin.clockMinutes), when it was noticed)" }
                            } else {
                                detail += "; its \(PlaybookText.duration(box)) timebox starts at the first alert"
                            }
                        }
                    }
                case .done, .skipped:
                    detail = stepSettledAt[step.id].map(\.clockMinutes) ?? ""
                    if settledAhead[step.id] != nil { detail += " (ahead)" }
                case .pending:
                    break
                }
                if overdueSteps.contains(step.id), state != .overdue { detail += " (was overdue)" }
                let title = step.title.count > titleWidth ? String(step.title.prefix(titleWidth - 1)) + "…" : step.title
                let order = playbook.locations[step.id]?.order ?? 0
                let label = state == .pending && order < furthest ? "not taken" : state.rawValue
                let line = "\(marker) \(label.padded(9)) \(step.id.padded(idWidth))  \(title.padded(titleWidth))  \(detail)"
                lines.append(line.trimmedTrailingSpaces())
            }
        }
        if finished { lines.append("All steps are behind us: post a final `update` and `close` the incident.") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func trimmedTrailingSpaces() -> String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
