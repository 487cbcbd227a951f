/// Renders a postmortem as CommonMark (with GitHub-flavoured tables), one section at a time so
/// the HTML renderer can wrap and extend each section.
struct PostmortemMarkdown {
    let model: PostmortemModel
    let dialect: SafeText.MarkdownDialect

    /// One `##` section: an anchor id, its heading, and its Markdown body.
    struct Section {
        var id: String
        var title: String
        var body: String
    }

    /// The incident's day (UTC): times on it are shown without a date.
    let day: (year: Int, month: Int, day: Int)

    init(_ model: PostmortemModel, dialect: SafeText.MarkdownDialect = .commonMark) {
        self.model = model
        self.dialect = dialect
        let c = model.incident.openedAt.components
        day = (c.year, c.month, c.day)
    }

    /// The whole document.
    func document() -> String {
        var text = "# " + title() + "\n\n"
        if !model.warnings.isEmpty { text += warnings() + "\n\n" }
        text += header() + "\n"
        for section in sections() {
            text += "\n## \(section.title)\n\n\(section.body)\n"
        }
        return text
    }

    /// `Postmortem: <title>`, escaped.
    func title() -> String {
        "Postmortem: " + esc(model.incident.title.isEmpty ? "untitled incident" : model.incident.title)
    }

    /// The warnings as a block quote.
    func warnings() -> String {
        model.warnings.map { "> **Warning:** " + esc($0) }.joined(separator: "\n>\n")
    }

    /// The header's facts as a list.
    func header() -> String {
        let incident = model.incident
        var lines: [String] = []
        func item(_ label: String, _ value: String) { lines.append("- **\(label):** \(value)") }
        item("Incident", esc(incident.id))
        item("Date", "\(incident.date) (UTC)")
        item("Severity", esc(incident.severity))
        item("Status", esc(incident.status))
        let responders = incident.responders.map { responder in
            esc(responder.name) + (responder.roles.isEmpty ? "" : " (" + responder.roles.map(esc).joined(separator: ", ") + ")")
        }
        item("Responders", responders.isEmpty ? "none recorded" : responders.joined(separator: "; "))
        if let playbook = incident.playbook {
            item("Playbook", esc(playbook.id) + (playbook.version.map { ", version \($0)" } ?? ""))
        } else {
            item("Playbook", "none")
        }
        if let scenario = incident.scenario {
            item("Scenario", esc(scenario.id) + (scenario.seed.map { " (seed \($0))" } ?? ""))
        }
        let verified: String =
            switch incident.verified {
            case true?: "hash chain verified"
            case false?: "hash chain **failed** verification"
            case nil: "hash chain not checked"
            }
        item("Transcript", "\(esc(incident.transcriptFile)), \(incident.entryCount) entries, \(verified)")
        item("Final hash", hash(incident.finalHash))
        return lines.joined(separator: "\n")
    }

    func sections() -> [Section] {
        [
            Section(id: "summary", title: "Issue Summary", body: summary()),
            Section(id: "timeline", title: "Timeline", body: timeline()),
            Section(id: "root-cause", title: "Root Cause and Resolution", body: rootCause()),
            Section(id: "measures", title: "Corrective and Preventative Measures", body: measures()),
            Section(id: "metrics", title: "Metrics", body: metrics()),
            Section(id: "lessons", title: "Lessons Learned", body: lessons()),
            Section(id: "appendix", title: "Appendix", body: appendix()),
        ]
    }

    // MARK: - Sections

    func summary() -> String {
        model.summaryParagraphs.map { "**\($0.label):** " + esc($0.text) }.joined(separator: "\n\n")
    }

    func timeline() -> String {
        guard !model.timeline.isEmpty else { return "No events were recorded." }
        var text = ""
        text.reserveCapacity(model.timeline.count * 128)
        for item in model.timeline {
            if !text.isEmpty { text += "\n" }
            text += bullet(item)
        }
        return text
    }

    func bullet(_ item: PostmortemModel.TimelineItem) -> String {
        var line = "- **\(clock(item.at))** — \(esc(item.text))"
        var notes: [String] = []
        if !item.by.isEmpty { notes.append(esc(item.by)) }
        if let recorded = item.recordedAt { notes.append("recorded at \(clock(recorded))") }
        if item.amended { notes.append("amended") }
        if !notes.isEmpty { line += " (" + notes.joined(separator: "; ") + ")" }
        if !item.evidence.isEmpty { line += ". Evidence: " + citations(item.evidence) }
        return line
    }

    func rootCause() -> String {
        let resolution = model.resolution
        var blocks: [String] = []
        blocks.append("### Root cause")
        blocks.append(resolution.rootCause.map(escLine) ?? "No root cause was recorded.")
        if !resolution.confirmed.isEmpty {
            blocks.append(resolution.confirmed.map { hypothesis in
                var line = "- **\(esc(hypothesis.id))** confirmed"
                if let at = hypothesis.confirmedAt { line += " at \(clock(at))" }
                line += ": " + esc(hypothesis.hypothesis)
                if let reason = hypothesis.reason { line += ". Why: " + esc(reason) }
                if !hypothesis.evidence.isEmpty { line += ". Evidence: " + citations(hypothesis.evidence) }
                return line
            }.joined(separator: "\n"))
        }
        blocks.append("### Trigger")
        blocks.append(resolution.trigger.map(escLine) ?? "No trigger was recorded.")
        if !resolution.triggerNotes.isEmpty { blocks.append(resolution.triggerNotes.map { "- " + esc($0) }.joined(separator: "\n")) }
        blocks.append("### Resolution")
        var steps: [String] = []
        if let at = resolution.mitigatedAt {
            steps.append("- **Mitigated** at \(clock(at))" + (resolution.mitigation.map { ": " + esc($0) } ?? ""))
        } else {
            steps.append("- **Mitigated:** never marked")
        }
        for action in resolution.mitigationActions {
            steps.append("- Mitigating action \(esc(action.id)) (\(action.done ? "done" : "open")): \(esc(action.text))")
        }
        if let at = resolution.resolvedAt {
            steps.append("- **Resolved** at \(clock(at))" + (resolution.resolutionText.map { ": " + esc($0) } ?? ""))
        } else {
            steps.append("- **Resolved:** never marked")
        }
        blocks.append(steps.joined(separator: "\n"))
        blocks.append("**Configuration changes**")
        if resolution.configChanges.isEmpty {
            blocks.append("No load balancer changes were recorded.")
        } else {
            blocks.append(resolution.configChanges.map { change in
                var line = "- **\(clock(change.at))**"
                if let version = change.version {
                    line += change.fromVersion.map { " v\($0) → v\(version)" } ?? " v\(version)"
                }
                line += " by \(esc(change.by))"
                var what: [String] = []
                if let action = change.action { what.append(esc(action)) }
                if let backend = change.backend { what.append(esc(backend)) }
                if let value = change.value { what.append(esc(value)) }
                if !what.isEmpty { line += " (" + what.joined(separator: " ") + ")" }
                if !change.text.isEmpty { line += ": " + esc(change.text) }
                return line
            }.joined(separator: "\n"))
        }
        if let pivot = resolution.pivot, let milestone = resolution.pivotMilestone {
            blocks.append("**Probe results around mitigation** (\(esc(milestone)) at \(clock(pivot)))")
            if resolution.comparisons.isEmpty {
                blocks.append("No probe was run both before and after \(esc(milestone)).")
            } else {
                var rows = ["| Probe | Metric | Before | After | Latest |", "|---|---|---|---|---|"]
                for comparison in resolution.comparisons {
                    func cell(_ reading: PostmortemModel.Reading?) -> String {
                        guard let reading else { return "—" }
                        return "\(MetricText.format(reading.value, metric: comparison.metric)) at \(clock(reading.at))"
                    }
                    rows.append("| \(esc(comparison.probe)) | \(esc(comparison.metric)) | \(esc(cell(comparison.before))) | \(esc(cell(comparison.after))) | \(esc(cell(comparison.latest))) |")
                }
                blocks.append(rows.joined(separator: "\n"))
            }
        }
        blocks.append("### Misleading paths")
        if model.misleadingPaths.isEmpty {
            blocks.append("No hypothesis was ruled out.")
        } else {
            blocks.append(model.misleadingPaths.map { path in
                var line = "- **\(esc(path.id))** \(esc(path.hypothesis)) — raised at \(clock(path.raisedAt)) by \(esc(path.raisedBy)), ruled out at \(clock(path.ruledOutAt))"
                if !path.reason.isEmpty { line += ": " + esc(path.reason) }
                if !path.evidence.isEmpty { line += ". Evidence: " + citations(path.evidence) }
                return line
            }.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }

    func measures() -> String {
        let measures = model.measures
        var blocks = ["### Improvements"]
        if measures.improvements.isEmpty {
            blocks.append("No preventive or process improvements were recorded.")
        } else {
            blocks.append(measures.improvements.map { "- \(esc($0.text)) (\(esc($0.type)), \(esc($0.id)))" }.joined(separator: "\n"))
        }
        blocks.append("### Tasks")
        if measures.tasks.isEmpty {
            blocks.append("No action items were recorded.")
        } else {
            blocks.append(measures.tasks.map { task in
                let owner = task.owner.map(esc) ?? "no owner"
                let due = task.due.map { "due " + esc($0) } ?? "no due date"
                return "- [\(task.done ? "x" : " ")] \(esc(task.id)): \(esc(task.text)) (\(owner), \(esc(task.type)), \(due))"
            }.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }

    func metrics() -> String {
        let metrics = model.metrics
        var rows = ["| Metric | Value | Measured |", "|---|---|---|"]
        for measurement in metrics.measurements {
            let value = measurement.value.map { MetricText.duration(milliseconds: $0) } ?? "not measured"
            let span: String
            if measurement.value != nil {
                let from = metrics.milestones.first { $0.name == measurement.from }?.time
                let to = metrics.milestones.first { $0.name == measurement.to }?.time
                span = "\(measurement.from) \(from.map(clock) ?? "?") → \(measurement.to) \(to.map(clock) ?? "?")"
            } else {
                span = measurement.missing.map { "\($0) was never marked" }.joined(separator: "; ")
            }
            rows.append("| \(measurement.label) | \(value) | \(span) |")
        }
        var blocks = [rows.joined(separator: "\n")]
        var milestones = ["| Milestone | Time |", "|---|---|"]
        for milestone in metrics.milestones {
            milestones.append("| \(milestone.name) | \(milestone.time.map(clock) ?? "never marked") |")
        }
        blocks.append(milestones.joined(separator: "\n"))
        if !metrics.missing.isEmpty {
            blocks.append("Missing milestones: " + metrics.missing.joined(separator: ", ") + ". Figures that need them are not measured rather than guessed.")
        }
        blocks += metrics.notes.map(escLine)
        return blocks.joined(separator: "\n\n")
    }

    func lessons() -> String {
        func list(_ title: String, _ lessons: [PostmortemModel.Lesson], _ empty: String) -> String {
            let body = lessons.isEmpty ? empty : lessons.map { "- \(esc($0.text)) (\(esc($0.by)), \(clock($0.at)))" }.joined(separator: "\n")
            return "### \(title)\n\n\(body)"
        }
        let lessons = model.lessons
        return [
            list("What went well", lessons.wentWell, esc("Nothing was noted with #went-well.")),
            list("What went wrong", lessons.wentWrong, esc("Nothing was noted with #went-wrong.")),
            list("Where we got lucky", lessons.lucky, esc("Nothing was noted with #lucky.")),
        ].joined(separator: "\n\n")
    }

    func appendix() -> String {
        var blocks = ["### Playbook adherence"]
        let adherence = model.adherence
        if adherence.steps.isEmpty {
            blocks.append("The transcript records no playbook steps.")
        } else {
            blocks.append("\(adherence.done) done, \(adherence.skipped) skipped, \(adherence.incomplete) not completed; \(adherence.overdue) ran past their timebox.")
            var rows = ["| Step | Phase | Status | When | Notes |", "|---|---|---|---|---|"]
            for step in adherence.steps {
                let status = step.status.rawValue + (step.overdue ? ", overdue" : "")
                let when = (step.endedAt ?? step.startedAt).map(clock) ?? "—"
                var notes: [String] = []
                if let reason = step.reason { notes.append(esc(reason)) }
                if let check = step.check {
                    var text = "check " + esc(PostmortemBuilder.describe(check))
                    if let evidence = check.evidence { text += " (probe at \(clock(evidence.at)))" }
                    notes.append(text)
                }
                rows.append("| \(esc(step.step)) | \(step.phase.map(esc) ?? "—") | \(status) | \(when) | \(notes.isEmpty ? "—" : notes.joined(separator: "; ")) |")
            }
            blocks.append(rows.joined(separator: "\n"))
        }
        blocks.append("### Probe evidence")
        if model.evidence.probes.isEmpty {
            blocks.append("No probes were run.")
        }
        for table in model.evidence.probes {
            blocks.append("#### \(esc(table.probe))")
            var intro = "\(table.sampleCount) result\(table.sampleCount == 1 ? "" : "s")"
            if table.isSampled { intro += "; \(table.rows.count) shown, evenly spaced" }
            if !table.ranges.isEmpty {
                intro += ". Range: " + table.ranges.map { range in
                    let low = MetricText.format(range.min, metric: range.name)
                    let high = MetricText.format(range.max, metric: range.name)
                    return esc(range.name) + " " + esc(low == high ? low : "\(low) to \(high)")
                }.joined(separator: ", ")
            }
            blocks.append(intro + ".")
            guard !table.metrics.isEmpty else { continue }
            var rows = ["| Time | " + table.metrics.map(esc).joined(separator: " | ") + " |",
                        "|---|" + String(repeating: "---:|", count: table.metrics.count)]
            for row in table.rows {
                let cells = zip(table.metrics, row.values).map { name, value in
                    value.map { esc(MetricText.format($0, metric: name)) } ?? "—"
                }
                rows.append("| \(clock(row.at)) | " + cells.joined(separator: " | ") + " |")
            }
            blocks.append(rows.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }

    // MARK: - Pieces

    func esc(_ text: String) -> String { SafeText.markdown(text, dialect: dialect) }

    /// A user string that begins a line.
    func escLine(_ text: String) -> String { SafeText.markdown(text, dialect: dialect, lineStart: true) }

    /// `03:45 UTC`, or `2023-11-06 00:15 UTC` on another day than the incident's.
    func clock(_ at: Instant) -> String {
        let c = at.components
        let time = pad(c.hour, 2) + ":" + pad(c.minute, 2) + " UTC"
        guard (c.year, c.month, c.day) != day else { return time }
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2) + " " + time
    }

    /// A hash as code when it looks like one; anything else (a tampered line) as escaped text.
    func hash(_ text: String) -> String {
        let isHex = text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        return isHex ? "`\(text)`" : esc(text)
    }

    /// `errors at 03:44 UTC (error_rate 31.2%, timeout_rate 4%)`
    func citations(_ citations: [PostmortemModel.Citation]) -> String {
        citations.map { citation in
            let values = citation.values.map { "\($0.name) \(MetricText.format($0.value, metric: $0.name))" }.joined(separator: ", ")
            return "\(esc(citation.probe)) at \(clock(citation.at))" + (values.isEmpty ? "" : " (" + esc(values) + ")")
        }.joined(separator: "; ")
    }
}
