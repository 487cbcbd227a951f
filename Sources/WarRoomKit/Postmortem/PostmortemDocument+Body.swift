extension PostmortemDocument {
    /// Lays out a postmortem.
    /// - Parameters:
    ///   - model: the compiled postmortem.
    ///   - appendix: include the Appendix.
    init(_ model: PostmortemModel, appendix: Bool = true) {
        let writer = BodyWriter(model: model)
        title = "Postmortem: " + (model.incident.title.isEmpty ? "untitled incident" : model.incident.title)
        warnings = model.warnings
        header = writer.header()
        body = [
            Section(id: "summary", title: "Issue Summary", blocks: writer.summary()),
            Section(id: "timeline", title: "Timeline", blocks: writer.timeline()),
            Section(id: "root-cause", title: "Root Cause and Resolution", blocks: writer.rootCause()),
            Section(id: "measures", title: "Corrective and Preventative Measures", blocks: writer.measures()),
            Section(id: "metrics", title: "Metrics", blocks: writer.metrics()),
            Section(id: "lessons", title: "Lessons Learned", blocks: writer.lessons()),
        ]
        self.appendix = appendix ? Section(id: "appendix", title: "Appendix", blocks: AppendixWriter(model: model).blocks()) : nil
    }
}

/// Times and figures as every part of the document writes them.
struct DocumentText {
    /// The incident's first day: times on it are written without a date.
    let day: String

    init(_ model: PostmortemModel) {
        day = model.incident.openedAt.date
    }

    /// `03:45 UTC`, or `2023-11-06 00:15 UTC` on another day than the incident's first.
    func clock(_ at: Instant) -> String {
        at.date == day ? "\(at.hourMinute) UTC" : "\(at.date) \(at.hourMinute) UTC"
    }

    /// `03:45`, or `2023-11-06 00:15`, for spans where `UTC` is said once.
    func shortClock(_ at: Instant) -> String {
        at.date == day ? at.hourMinute : "\(at.date) \(at.hourMinute)"
    }

    /// A named figure in words: `skew 2.93×`, `last change 23 min before`.
    static func figure(_ name: String, _ value: Double) -> String {
        switch name {
        case "minutes_since_change": return "last change \(MetricText.format(value, metric: name)) before"
        default:
            // `latency_ms 8 ms` reads `latency 8 ms`: the unit is on the value.
            let label = name.hasSuffix("_ms") ? String(name.dropLast(3)) : name
            return "\(label.replacingUnderscores) \(MetricText.format(value, metric: name))"
        }
    }

    /// A duration, or why there is none: `0 s` and negative spans say the milestones need checking.
    static func duration(_ milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0 s (check the milestones)" }
        if milliseconds < 0 { return "\(MetricText.duration(milliseconds: milliseconds)) (out of order; check the milestones)" }
        return MetricText.duration(milliseconds: milliseconds)
    }

    /// `distribution at 04:03 UTC (skew 2.93×, max utilization 470.2%)`, at most `figures` figures.
    func citation(_ citation: PostmortemModel.Citation, figures: Int = 8) -> String {
        let values = citation.values.prefix(figures).map { Self.figure($0.name, $0.value) }
        return "\(citation.probe) at \(clock(citation.at))" + (values.isEmpty ? "" : " (" + values.joined(separator: ", ") + ")")
    }
}

/// Writes the body: brief, plain, every figure with its window and source.
struct BodyWriter {
    let model: PostmortemModel
    let text: DocumentText

    init(model: PostmortemModel) {
        self.model = model
        text = DocumentText(model)
    }

    /// Tasks shown in the body; the rest are counted and listed in the Appendix.
    static let taskLimit = 10
    /// Lessons shown per kind in the body.
    static let lessonLimit = 4

    func header() -> [[PostmortemDocument.Inline]] {
        let incident = model.incident
        var lines: [[PostmortemDocument.Inline]] = []
        func item(_ label: String, _ value: [PostmortemDocument.Inline]) { lines.append([.strong(label + ":"), .text(" ")] + value) }
        item("Incident", [.text("\(incident.id.isEmpty ? "no id recorded" : incident.id), \(incident.severity), \(incident.status), \(incident.date)")])
        if let written = incident.writtenAt {
            // Every time below is the incident's; the write-up's own date is said once, here.
            item("Recorded", [.text("after the fact, on \(written.date) at \(written.hourMinute) UTC, from its timeline; every time below is when it happened")])
        }
        let responders = incident.responders.map { responder in
            responder.name + (responder.roles.isEmpty ? "" : " (" + responder.roles.joined(separator: ", ") + ")")
        }
        item("Responders", [.text(responders.isEmpty ? "none recorded" : responders.joined(separator: ", "))])
        var playbook = incident.playbook.map { $0.id + ($0.version.map { " v\($0)" } ?? "") } ?? "none"
        if let scenario = incident.scenario {
            playbook += "; drill \(scenario.id)"
        }
        item("Playbook", [.text(playbook)])
        let verified: String =
            switch incident.verified {
            case true?: "hash chain verified"
            case false?: "hash chain FAILED verification"
            case nil: "hash chain not checked"
            }
        let isHex = incident.finalHash.utf8.count == 64 && incident.finalHash.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        item("Transcript", [.text("\(incident.transcriptFile), \(incident.entryCount) entries, \(verified); final hash "),
                            isHex ? .code(incident.finalHash) : .text(incident.finalHash)])
        return lines
    }

    // MARK: - Issue Summary

    func summary() -> [PostmortemDocument.Block] {
        let s = model.summary
        var blocks: [PostmortemDocument.Block] = []
        func paragraph(_ label: String, _ body: String) { blocks.append(.paragraph([.strong(label + ":"), .text(" " + body)])) }
        paragraph("Duration", durationSentence())
        if let service = s.service { paragraph("Service", service) }
        paragraph("Impact", impactSentence())
        // The lead of the statement; the Appendix has it in full.
        paragraph("Root cause", s.rootCause.map { BriefText.brief($0, words: 30).endingSentence } ?? "not recorded.")
        return blocks
    }

    func durationSentence() -> String {
        let s = model.summary
        let startName = switch s.startBasis {
        case .impactStart: "impact start"
        case .detected: "detection (impact-start was never marked)"
        case .opened: "the opening (neither impact-start nor detected was marked)"
        }
        let endName = switch s.endBasis {
        case .resolved: "resolution"
        case .closed: "the close (resolved was never marked)"
        case .lastEntry: "the last entry (not resolved)"
        }
        let end = s.end.date == s.start.date ? s.end.hourMinute : "\(s.end.date) \(s.end.hourMinute)"
        let span = "\(s.start.date) \(s.start.hourMinute)–\(end) UTC"
        guard s.duration > 0 else {
            return "not measurable from \(startName) to \(endName), \(span): the end is not after the start; check the milestones."
        }
        // What users lived through leads; how long the incident stayed open follows.
        if let toMitigation = s.impactToMitigation, toMitigation > 0, let mitigated = model.resolution.mitigatedAt, s.endBasis == .resolved || s.endBasis == .closed {
            let hurt = "\(s.start.hourMinute)–\(mitigated.date == s.start.date ? mitigated.hourMinute : "\(mitigated.date) \(mitigated.hourMinute)") UTC"
            return "users were affected for \(MetricText.duration(milliseconds: toMitigation)), \(s.start.date) \(hurt), from \(startName) to mitigation; "
                + "the incident ran \(MetricText.duration(milliseconds: s.duration)), to \(endName) at \(text.clock(s.end))."
        }
        var sentence = "\(MetricText.duration(milliseconds: s.duration)) from \(startName) to \(endName), \(span)"
        if let toMitigation = s.impactToMitigation, let mitigated = model.resolution.mitigatedAt, s.endBasis == .resolved || s.endBasis == .closed {
            sentence += "; mitigated at \(text.clock(mitigated)), \(MetricText.duration(milliseconds: toMitigation)) after \(startName) (check the milestones)"
        }
        return sentence + "."
    }

    func impactSentence() -> String {
        let s = model.summary
        var parts: [String] = []
        if let share = s.usersAffected, let source = s.usersAffectedSource {
            let window = s.impactWindow.map { " between \(Self.basisName($0.fromBasis)) and \(Self.basisName($0.throughBasis))" } ?? ""
            let origin = switch source {
            case .simulation: "drill simulation"
            case .impactStatement: "impact statement"
            case .probes: "probe readings"
            }
            var sentence = "\(MetricText.percent(share)) of users had requests fail because of the incident\(window) (\(origin))"
            if source != .impactStatement, let stated = s.statedUsersAffected, abs(stated - share) > 0.03 {
                sentence += "; the impact statement says \(MetricText.percent(stated))"
            }
            parts.append(sentence + ".")
        } else {
            parts.append("The share of users affected was not recorded" + (s.usersAffectedNote.map { " (\($0))" } ?? "") + ".")
        }
        if let measured = s.measuredImpact {
            parts.append("\(TextFormat.count(measured.failed)) of \(TextFormat.count(measured.requests)) requests failed (\(MetricText.percent(measured.share))) "
                + "between \(Self.basisName(measured.window.fromBasis)) and \(Self.basisName(measured.window.throughBasis)), "
                + "summed from \(measured.source)'s range every \(MetricText.duration(milliseconds: Int64(measured.everySeconds) * 1000)) (queries in the Appendix).")
        }
        if let statement = s.impact { parts.append("Users saw: " + BriefText.brief(statement, words: 10).endingSentence) }
        return parts.joined(separator: " ")
    }

    /// `impact-start` → `impact start`, as the summary says it.
    static func basisName(_ basis: String) -> String {
        switch basis {
        case Milestone.impactStart.rawValue: return "impact start"
        case Milestone.detected.rawValue: return "detection"
        case Milestone.mitigated.rawValue: return "mitigation"
        case Milestone.resolved.rawValue: return "resolution"
        case "opened": return "the opening"
        case "closed": return "the close"
        default: return basis
        }
    }

    // MARK: - Timeline

    func timeline() -> [PostmortemDocument.Block] {
        var blocks: [PostmortemDocument.Block] = [.chart]
        let curated = model.curated
        if curated.events.isEmpty {
            blocks.append(.paragraph([.text("No events were recorded.")]))
        } else {
            blocks.append(.bullets(PostmortemDocument.Made(curated.events.map(bullet))))
        }
        var notes: [String] = []
        if curated.leftOut > 0 {
            // Which, so a reader knows what to look for: the first few by time and number.
            let named = curated.leftOutEvents.prefix(3).map { "\(text.clock($0.at)) \($0.what) (#\($0.seq))" }
            let more = curated.leftOut > named.count ? " and \(curated.leftOut - named.count) more" : ""
            notes.append("Also in the Appendix: " + named.joined(separator: "; ") + more + ".")
        }
        if !curated.omitted.isEmpty {
            notes.append("Left out at the responders' request: " + curated.omitted.map { "#\($0.seq)" }.joined(separator: ", ") + " (see the Appendix).")
        }
        if !notes.isEmpty { blocks.append(.paragraph([.text(notes.joined(separator: " "))])) }
        blocks.append(.heading(level: 3, text: "Detection"))
        blocks.append(.paragraph([.text(detectionParagraph())]))
        return blocks
    }

    func bullet(_ event: PostmortemModel.CuratedEvent) -> [PostmortemDocument.Inline] {
        var notes: [String] = []
        if let recorded = event.recordedAt { notes.append("marked at \(text.clock(recorded))") }
        if event.highlighted { notes.append("highlighted") }
        var when = text.clock(event.at)
        if let until = event.until, until != event.at {
            when = until.date == event.at.date ? "\(text.shortClock(event.at))–\(until.hourMinute) UTC" : "\(text.shortClock(event.at)) – \(text.clock(until))"
        }
        return [.strong(when), .text(" — " + event.text + (notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")"))]
    }

    func detectionParagraph() -> String {
        let d = model.detection
        var sentences: [String] = []
        if let at = d.detectedAt {
            var how = "Detected at \(text.clock(at))"
            if let alert = d.alert {
                how += " from alert \(alert.name)" + (alert.metric.map { " (\(Self.metricName($0))" + alertCondition(alert) + ")" } ?? "")
            } else if let detail = d.how {
                how += ": " + BriefText.brief(detail, words: 12)
            }
            sentences.append(how.endingSentence)
        } else if let alert = d.alert {
            sentences.append("Detection was never marked; alert \(alert.name) fired at \(text.clock(alert.at)).")
        } else {
            sentences.append("Detection was never marked, so when and how it was noticed is not on the record.")
        }
        if let ttd = d.timeToDetect, let start = d.impactStart {
            sentences.append("Time to detect: \(DocumentText.duration(ttd)), from \(text.clock(start)).")
        } else if d.detectedAt != nil {
            sentences.append("Time to detect is not measured: impact-start was never marked.")
        }
        sentences += d.sooner
        return sentences.joined(separator: " ")
    }

    /// `errors.error_rate` → `error rate`.
    static func metricName(_ metric: String) -> String {
        (metric.split(separator: ".").last.map(String.init) ?? metric).replacingUnderscores
    }

    func alertCondition(_ alert: PostmortemModel.AlertFiring) -> String {
        guard let threshold = alert.threshold, let metric = alert.metric else { return "" }
        let name = metric.split(separator: ".").last.map(String.init) ?? metric
        return " \(alert.comparison ?? "beyond") \(MetricText.format(threshold, metric: name))" + (alert.forSeconds.map { " for \(MetricText.duration(milliseconds: Int64($0) * 1000))" } ?? "")
    }

    // MARK: - Root Cause and Resolution

    func rootCause() -> [PostmortemDocument.Block] {
        let r = model.resolution
        var blocks: [PostmortemDocument.Block] = []
        // The Issue Summary states the root cause; this section says how it was established
        // (the statement in full is in the Appendix).
        var cause: [PostmortemDocument.Inline] = [.strong("Root cause.")]
        if r.confirmed.isEmpty {
            cause.append(.text(" " + (r.rootCause.map { BriefText.brief($0, words: 30).endingSentence + " No hypothesis was confirmed." } ?? "Not recorded.")))
        }
        for hypothesis in r.confirmed {
            var line = " \(hypothesis.id) (\(BriefText.brief(hypothesis.hypothesis, words: 5, shortestLead: 1).trimmingTrailingPeriod)) confirmed"
            if let at = hypothesis.confirmedAt { line += " at \(text.clock(at))" }
            if !hypothesis.evidence.isEmpty { line += ", on " + Self.list(hypothesis.evidence.prefix(2).map { text.citation($0, figures: 1) }) }
            cause.append(.text(line + "."))
        }
        blocks.append(.paragraph(cause))
        var trigger: [PostmortemDocument.Inline] = [.strong("Trigger.")]
        if let statement = r.trigger {
            trigger.append(.text(" " + statement.endingSentence))
        } else if let step = r.step(.trigger) {
            trigger.append(.text(" " + PostmortemBuilder.stepText(step) + ", at \(text.clock(step.from))."))
        } else {
            trigger.append(.text(" Not recorded."))
        }
        blocks.append(.paragraph(trigger))
        blocks.append(.paragraph([.strong("Resolution."), .text(" " + resolutionStory())]))
        return blocks
    }

    /// `: weight 25 → 100 on …`, or nothing when the record does not say what changed.
    static func what(_ step: PostmortemModel.ConfigStep) -> String {
        step.summary.isEmpty ? "" : ": " + step.summary
    }

    /// The rollback, the relief it brought, the permanent fix and the resolution, with figures.
    func resolutionStory() -> String {
        let r = model.resolution
        var sentences: [String] = []
        if let step = r.step(.rollback) {
            sentences.append("Rolled back to v\(step.rollbackTo.map(String.init) ?? "?") at \(text.clock(step.from)) by \(step.by.joined(separator: ", "))\(Self.what(step)).")
        } else if let step = r.step(.mitigation) {
            sentences.append("Configuration \(step.version.map { "v\($0)" } ?? "changed") at \(text.clock(step.from)) by \(step.by.joined(separator: ", "))\(Self.what(step)).")
        }
        if let at = r.mitigatedAt {
            if let relief = r.relief {
                let mitigated = relief.after.at == at ? "mitigated" : "mitigated at \(text.clock(at))"
                sentences.append("Errors \(MetricText.percent(relief.before.value)) at \(text.shortClock(relief.before.at)) → \(MetricText.percent(relief.after.value)) at \(text.clock(relief.after.at)), \(mitigated).")
            } else {
                sentences.append(("Mitigated at \(text.clock(at))" + (r.mitigation.map { ": " + BriefText.brief($0, words: 12) } ?? "")).endingSentence)
            }
        } else {
            sentences.append("Mitigation was never marked.")
        }
        if let fix = r.step(.fix) {
            sentences.append("Permanent fix, configuration \(fix.version.map { "v\($0)" } ?? "changed"), by \(fix.by.joined(separator: ", ")) at \(text.clock(fix.to))\(Self.what(fix)).")
        } else if let done = r.mitigationActions.first(where: \.done) {
            sentences.append("Done to contain it: \(done.id) \(BriefText.brief(done.text, words: 10).endingSentence)")
        }
        if let at = r.resolvedAt {
            sentences.append("Resolved at \(text.clock(at))" + (r.resolvedBy.map { " by \($0)" } ?? "") + ".")
        } else {
            sentences.append("Resolution was never marked.")
        }
        return sentences.joined(separator: " ")
    }

    // MARK: - Measures

    func measures() -> [PostmortemDocument.Block] {
        let tasks = model.measures.tasks
        guard !tasks.isEmpty else { return [.paragraph([.text("No action items were recorded.")])] }
        var blocks: [PostmortemDocument.Block] = []
        // The improvements (prevent and process) and any other open task: what the document
        // asks of its readers. Done ones are named; the Appendix has every task in full.
        let open = model.measures.improvements.filter { !$0.done } + tasks.filter { !$0.done && $0.type == ActionItem.Kind.mitigate.rawValue }
        if open.isEmpty {
            blocks.append(.paragraph([.text("Every action item is done.")]))
        } else {
            blocks.append(.tasks(open.prefix(Self.taskLimit).map { task in
                let owner = task.owner ?? "no owner"
                let due = task.due ?? "no due date"
                return PostmortemDocument.Task(done: false, inlines: [.text("\(task.id) \(BriefText.brief(task.text, words: 7)) (\(owner), \(task.type), \(due))")])
            }))
        }
        var notes: [String] = []
        if open.count > Self.taskLimit { notes.append("\(open.count - Self.taskLimit) more open in the Appendix.") }
        let done = tasks.filter(\.done)
        if !done.isEmpty { notes.append("Done: " + done.map { "\($0.id) \(BriefText.brief($0.text, words: 7)) (\($0.type))" }.joined(separator: "; ") + ".") }
        if !notes.isEmpty { blocks.append(.paragraph([.text(notes.joined(separator: " "))])) }
        return blocks
    }

    // MARK: - Metrics

    func metrics() -> [PostmortemDocument.Block] {
        let metrics = model.metrics
        // Each metric runs between two milestones (docs/POSTMORTEM.md); their times are in the
        // timeline and the Appendix.
        // The impact's durations are in the Issue Summary, next to the figure they qualify.
        let rows = metrics.measurements.filter { !$0.name.hasPrefix("impact") }.map { measurement -> [String] in
            let value = measurement.value.map(DocumentText.duration) ?? "not measured: " + measurement.missing.map { "\($0) never marked" }.joined(separator: ", ")
            return [measurement.label, value]
        }
        var blocks: [PostmortemDocument.Block] = [.table(PostmortemDocument.Table(header: ["Metric", "Value"], numeric: [false, false], rows: rows))]
        if metrics.impactStartAssumed, metrics.value("time_to_mitigate") != nil || metrics.value("time_to_resolve") != nil {
            blocks.append(.paragraph([.text("impact-start was never marked: the impact is counted from detection.")]))
        }
        return blocks
    }

    // MARK: - Lessons

    func lessons() -> [PostmortemDocument.Block] {
        var blocks: [PostmortemDocument.Block] = []
        let lessons = model.lessons
        for (title, list, tag) in [("What went well", lessons.wentWell, "went-well"), ("What went wrong", lessons.wentWrong, "went-wrong"),
                                   ("Where we got lucky", lessons.lucky, "lucky")] {
            blocks.append(.paragraph([.strong(title)]))
            if list.isEmpty {
                blocks.append(.paragraph([.text("Nothing was noted with #\(tag).")]))
            } else {
                var items = list.prefix(Self.lessonLimit).map { [PostmortemDocument.Inline.text(BriefText.brief($0.text, words: 8))] }
                if list.count > Self.lessonLimit { items.append([.text("\(list.count - Self.lessonLimit) more in the Appendix.")]) }
                blocks.append(.bullets(PostmortemDocument.Made(items)))
            }
        }
        return blocks
    }
}

extension BodyWriter {
    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        items.count <= 2 ? items.joined(separator: " and ") : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}

extension String {
    /// Ending a sentence: with its own `.`, `…`, `!` or `?`, else a `.` added.
    var endingSentence: String {
        guard let last else { return self }
        return ".…!?".contains(last) ? self : self + "."
    }

    /// Without a final `.`, for a clause that goes on.
    var trimmingTrailingPeriod: String {
        hasSuffix(".") && !hasSuffix("..") ? String(dropLast()) : self
    }
}
