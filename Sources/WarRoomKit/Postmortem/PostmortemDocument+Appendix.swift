/// Writes the Appendix: everything the body leaves out or shortens, in full.
struct AppendixWriter {
    let model: PostmortemModel
    let text: DocumentText

    init(model: PostmortemModel) {
        self.model = model
        text = DocumentText(model)
    }

    func blocks() -> [PostmortemDocument.Block] {
        var blocks: [PostmortemDocument.Block] = []
        blocks += fullTimeline()
        blocks += milestones()
        blocks += configurationChanges()
        blocks += rootCause()
        blocks += misleadingPaths()
        blocks += aroundMitigation()
        blocks += actionItems()
        blocks += lessons()
        blocks += adherence()
        blocks += probeEvidence()
        blocks += notifications()
        return blocks
    }

    /// Every page and message `--notify` sent, and what came of it; the undelivered first said.
    func notifications() -> [PostmortemDocument.Block] {
        guard !model.notifications.isEmpty else { return [] }
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Notifications")]
        let undelivered = model.undelivered
        if undelivered.isEmpty {
            blocks.append(.paragraph([.text("All \(model.notifications.count) were delivered.")]))
        } else {
            blocks.append(.paragraph([.strong("\(undelivered.count) of \(model.notifications.count) not delivered: "),
                                      .text(undelivered.map { "#\($0.seq) \($0.text)" }.joined(separator: "; ") + ".")]))
        }
        let rows = model.notifications.map { record in
            let outcome: String
            switch record.outcome {
            case .delivered: outcome = "delivered (attempt \(record.attempts))"
            case .failed: outcome = "NOT DELIVERED after \(record.attempts) attempt\(record.attempts == 1 ? "" : "s")"
            case .pending: outcome = record.attempts == 0 ? "NOT DELIVERED: never attempted" : "NOT DELIVERED: \(record.attempts) attempt\(record.attempts == 1 ? "" : "s"), none succeeded"
            }
            let receiver = record.channel == "pagerduty" ? "PagerDuty \(record.target)" + (record.action.map { " (\($0))" } ?? "") : record.target
            return [text.clock(record.at), receiver, record.event, outcome, record.lastResult ?? "—"]
        }
        blocks.append(.table(PostmortemDocument.Table(header: ["Time", "Sent to", "About", "Outcome", "Last answer"], numeric: [false, false, false, false, false], rows: rows)))
        return blocks
    }

    // MARK: - Timeline

    func fullTimeline() -> [PostmortemDocument.Block] {
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Full timeline")]
        guard !model.timeline.isEmpty else { return blocks + [.paragraph([.text("No events were recorded.")])] }
        blocks.append(.paragraph([.text("Every event on the record, when it took effect: steps, phases, reminders, notes, every configuration change. Read-only commands, probes (see Probe evidence), pauses and corrections are not listed; corrections are applied.")]))
        blocks.append(.timeline(PostmortemDocument.TimelineBullets(items: model.timeline, text: text)))
        if !model.curated.omitted.isEmpty {
            blocks.append(.paragraph([.strong("Left out of the body's timeline"), .text(" (omit): " + model.curated.omitted.map { "#\($0.seq): \($0.reason)" }.joined(separator: "; "))]))
        }
        return blocks
    }

    func milestones() -> [PostmortemDocument.Block] {
        let metrics = model.metrics
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Milestones")]
        blocks.append(.table(PostmortemDocument.Table(
            header: ["Milestone", "Took effect"], numeric: [false, false],
            rows: metrics.milestones.map { [$0.name, $0.time.map(text.clock) ?? "never marked"] })))
        var notes = metrics.notes
        if !metrics.missing.isEmpty {
            notes.append("Missing milestones: " + metrics.missing.joined(separator: ", ") + ". Figures that need them are not measured rather than guessed.")
        }
        notes += metrics.problems.map { $0.description + "." }
        blocks += notes.map { .paragraph([.text($0)]) }
        return blocks
    }

    // MARK: - Configuration

    func configurationChanges() -> [PostmortemDocument.Block] {
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Configuration changes")]
        let changes = model.resolution.configChanges
        guard !changes.isEmpty else { return blocks + [.paragraph([.text("No load balancer changes were recorded.")])] }
        let steps = model.resolution.steps
        if !steps.isEmpty {
            blocks.append(.paragraph([.text("The changes as steps of the story (changes minutes apart by the same people taken together, with their net effect), then every change.")]))
            blocks.append(.bullets(PostmortemDocument.Made(steps.map { step in
                let role = switch step.role {
                case .trigger: "Trigger"
                case .rollback: "Rollback to v\(step.rollbackTo.map(String.init) ?? "?")"
                case .mitigation: "Mitigating change"
                case .fix: "Permanent fix"
                case .other: "Other change"
                }
                let versions = [step.fromVersion.map { "v\($0)" }, step.version.map { "v\($0)" }].compactMap { $0 }.joined(separator: " → ")
                let count = "\(step.changeCount) change\(step.changeCount == 1 ? "" : "s")"
                return [.strong(text.clock(step.from)), .text(" \(role): \(versions.isEmpty ? count : versions + ", " + count) by \(step.by.joined(separator: ", "))\(BodyWriter.what(step))")]
            })))
        }
        let rows = PostmortemDocument.Made<[String]>(groups: changes.count) { index in
            let change = changes[index]
            let version = change.version.map { v in change.fromVersion.map { "v\($0) → v\(v)" } ?? "v\(v)" } ?? "—"
            let what = [change.action, change.backend, change.value].compactMap { $0 }.joined(separator: " ")
            let lines = change.changes.isEmpty ? [Display.firstLine(change.text, limit: 200)] : change.changes
            return lines.enumerated().map { index, line in index == 0 ? [text.clock(change.at), version, change.by, what, line] : ["", "", "", "", line] }
        }
        blocks.append(.table(PostmortemDocument.Table(header: ["Time", "Version", "By", "Command", "Change"], numeric: [false, false, false, false, false], rows: rows)))
        return blocks
    }

    // MARK: - Root cause and misleading paths

    func rootCause() -> [PostmortemDocument.Block] {
        let r = model.resolution
        guard r.rootCause != nil || !r.confirmed.isEmpty || !r.triggerNotes.isEmpty else { return [] }
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Root cause in full")]
        if let statement = r.rootCause { blocks.append(.paragraph([.text(statement)])) }
        if !r.confirmed.isEmpty {
            blocks.append(.bullets(PostmortemDocument.Made(r.confirmed.map { hypothesis in
                var line = " confirmed"
                if let at = hypothesis.confirmedAt { line += " at \(text.clock(at))" }
                line += ": " + hypothesis.hypothesis
                if let reason = hypothesis.reason { line += ". Why: " + reason }
                if !hypothesis.evidence.isEmpty { line += ". Evidence: " + hypothesis.evidence.map { text.citation($0) }.joined(separator: "; ") }
                return [.strong(hypothesis.id), .text(line)]
            })))
        }
        if !r.triggerNotes.isEmpty {
            blocks.append(.paragraph([.strong("Trigger notes")]))
            let notes = r.triggerNotes
            blocks.append(.bullets(PostmortemDocument.Made(groups: notes.count) { [[.text(notes[$0])]] }))
        }
        return blocks
    }

    func misleadingPaths() -> [PostmortemDocument.Block] {
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Misleading paths")]
        guard !model.misleadingPaths.isEmpty else { return blocks + [.paragraph([.text("No hypothesis was ruled out.")])] }
        blocks.append(.bullets(PostmortemDocument.Made(model.misleadingPaths.map { path in
            var line = " \(path.hypothesis) — raised at \(text.clock(path.raisedAt)) by \(path.raisedBy), ruled out at \(text.clock(path.ruledOutAt))"
            if !path.reason.isEmpty { line += ": " + path.reason }
            if !path.evidence.isEmpty { line += ". Evidence: " + path.evidence.map { text.citation($0) }.joined(separator: "; ") }
            return [.strong(path.id), .text(line)]
        })))
        return blocks
    }

    func aroundMitigation() -> [PostmortemDocument.Block] {
        let r = model.resolution
        guard let pivot = r.pivot, let milestone = r.pivotMilestone else { return [] }
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Probe results around mitigation")]
        blocks.append(.paragraph([.text("The last reading before \(milestone) (\(text.clock(pivot))), the first at or after it, and the latest.")]))
        guard !r.comparisons.isEmpty else { return blocks + [.paragraph([.text("No probe was run both before and after \(milestone).")])] }
        let rows = r.comparisons.map { comparison -> [String] in
            func cell(_ reading: PostmortemModel.Reading?) -> String {
                guard let reading else { return "—" }
                return "\(MetricText.format(reading.value, metric: comparison.metric)) at \(text.clock(reading.at))"
            }
            return [comparison.probe, comparison.metric.replacingUnderscores, cell(comparison.before), cell(comparison.after), cell(comparison.latest)]
        }
        blocks.append(.table(PostmortemDocument.Table(header: ["Probe", "Metric", "Before", "After", "Latest"], numeric: [false, false, false, false, false], rows: rows)))
        return blocks
    }

    // MARK: - Action items and lessons

    func actionItems() -> [PostmortemDocument.Block] {
        let tasks = model.measures.tasks
        guard !tasks.isEmpty else { return [] }
        return [.heading(level: 3, text: "Action items in full"), .tasks(tasks.map { task in
            let owner = task.owner ?? "no owner"
            let due = task.due.map { "due \($0)" } ?? "no due date"
            return PostmortemDocument.Task(done: task.done, inlines: [.text("\(task.id): \(task.text) (\(owner), \(task.type), \(due))")])
        })]
    }

    func lessons() -> [PostmortemDocument.Block] {
        let lessons = model.lessons
        guard !(lessons.wentWell.isEmpty && lessons.wentWrong.isEmpty && lessons.lucky.isEmpty) else { return [] }
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Lessons in full")]
        for (title, list) in [("What went well", lessons.wentWell), ("What went wrong", lessons.wentWrong), ("Where we got lucky", lessons.lucky)] where !list.isEmpty {
            blocks.append(.paragraph([.strong(title)]))
            blocks.append(.bullets(PostmortemDocument.Made(groups: list.count) { index in
                let lesson = list[index]
                return [[.text("\(lesson.text) (\(lesson.by), \(text.clock(lesson.at)))")]]
            }))
        }
        return blocks
    }

    // MARK: - Adherence and evidence

    func adherence() -> [PostmortemDocument.Block] {
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Playbook adherence")]
        let adherence = model.adherence
        guard !adherence.steps.isEmpty else { return blocks + [.paragraph([.text("The transcript records no playbook steps.")])] }
        blocks.append(.paragraph([.text("\(adherence.done) done, \(adherence.skipped) skipped, \(adherence.incomplete) not completed; \(adherence.overdue) ran past their timebox.")]))
        let rows = adherence.steps.map { step -> [String] in
            let status = step.status.rawValue + (step.overdue ? ", overdue" : "")
            let when = (step.endedAt ?? step.startedAt).map(text.clock) ?? "—"
            var notes: [String] = []
            if let reason = step.reason { notes.append(reason) }
            if let check = step.check {
                var line = "check " + PostmortemBuilder.describe(check)
                if let evidence = check.evidence { line += " (probe at \(text.clock(evidence.at)))" }
                notes.append(line)
            }
            return [step.step, step.phase ?? "—", status, when, notes.isEmpty ? "—" : notes.joined(separator: "; ")]
        }
        blocks.append(.table(PostmortemDocument.Table(header: ["Step", "Phase", "Status", "When", "Notes"], numeric: [false, false, false, false, false], rows: rows)))
        return blocks
    }

    func probeEvidence() -> [PostmortemDocument.Block] {
        var blocks: [PostmortemDocument.Block] = [.heading(level: 3, text: "Probe evidence")]
        if model.evidence.probes.isEmpty { blocks.append(.paragraph([.text("No probes were run.")])) }
        if let measured = model.evidence.chart.measured {
            blocks.append(.heading(level: 4, text: "range over the incident"))
            blocks.append(.paragraph([.text("The chart's lines and the requests failed in the summary are \(measured.source)'s answers over the incident "
                + "(#\(measured.seq), every \(MetricText.duration(milliseconds: Int64(measured.everySeconds) * 1000)), each point over the step before it), to these queries:")]))
            blocks.append(.table(PostmortemDocument.Table(header: ["Figure", "PromQL"], numeric: [false, false],
                                                          rows: measured.queries.map { [$0.figure.replacingUnderscores, $0.query] })))
        }
        for table in model.evidence.probes {
            blocks.append(.heading(level: 4, text: table.probe))
            var intro = "\(table.sampleCount) result\(table.sampleCount == 1 ? "" : "s")"
            if table.isSampled { intro += "; \(table.rows.count) shown, evenly spaced" }
            if !table.ranges.isEmpty {
                intro += ". Range: " + table.ranges.map { range in
                    let low = MetricText.format(range.min, metric: range.name)
                    let high = MetricText.format(range.max, metric: range.name)
                    return range.name.replacingUnderscores + " " + (low == high ? low : "\(low) to \(high)")
                }.joined(separator: ", ")
            }
            blocks.append(.paragraph([.text(intro + ".")]))
            guard !table.metrics.isEmpty else { continue }
            let rows = table.rows.map { row in
                [text.clock(row.at)] + zip(table.metrics, row.values).map { name, value in value.map { MetricText.format($0, metric: name) } ?? "—" }
            }
            blocks.append(.table(PostmortemDocument.Table(
                header: ["Time"] + table.metrics.map(\.replacingUnderscores), numeric: [false] + table.metrics.map { _ in true }, rows: rows)))
        }
        return blocks
    }
}
