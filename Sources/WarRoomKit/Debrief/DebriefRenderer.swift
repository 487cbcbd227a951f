/// Formats of a debrief.
public enum DebriefFormat: String, Sendable, CaseIterable {
    case markdown, html, json
}

/// Writes a debrief as Markdown, HTML (with a chart of the team's path against the intended
/// one) or JSON. Markdown and HTML come from the same document blocks as the postmortem's.
public enum DebriefRenderer {
    public static func render(_ debrief: Debrief, format: DebriefFormat) -> String {
        switch format {
        case .markdown:
            return PostmortemMarkdown(document: document(debrief)).render()
        case .html:
            var html = PostmortemHTML(model: nil, document: document(debrief))
            html.chart = { DebriefChart(debrief: debrief).figure() }
            html.footer = "Compiled from \(SafeText.html(debrief.transcriptFile)) (\(debrief.entryCount) entries, final hash <code>\(SafeText.html(debrief.finalHash))</code>) and the scenario \(SafeText.html(debrief.scenario)). All times are UTC."
            return html.render()
        case .json:
            return json(debrief).prettyPrinted() + "\n"
        }
    }

    // MARK: - The document

    static func clock(_ at: Instant) -> String { at.clockMinutes }

    /// A duration to the second under ten minutes (`5 min 45 s`), as the postmortem says it above.
    static func span(_ ms: Int64) -> String {
        guard ms >= 0, ms < 600_000, ms % 60_000 >= 1000, ms >= 60_000 else { return MetricText.duration(milliseconds: ms) }
        return "\(ms / 60_000) min \(ms % 60_000 / 1000) s"
    }

    /// `+5 min 45 s`, `+1 h 10 min`.
    static func after(_ ms: Int64) -> String { "+" + span(ms) }

    /// `45 s over par`, `2 min under par`, `on par`.
    static func versus(_ ms: Int64) -> String {
        if abs(ms) < 1000 { return "on par" }
        return span(abs(ms)) + (ms > 0 ? " over par" : " under par")
    }

    static func document(_ d: Debrief) -> PostmortemDocument {
        typealias Block = PostmortemDocument.Block
        let header: [[PostmortemDocument.Inline]] = [
            [.strong("Drill:"), .text(" \(d.incident), scenario \(d.scenario)")],
            [.strong("Trigger:"), .text(" \(clock(d.trigger)), when the scenario breaks; every time below counts from it")],
            [.strong("Team:"), .text(" " + (d.people.isEmpty ? "nobody recorded anything" : d.people.map(\.name).joined(separator: ", ")))],
        ]
        var body: [PostmortemDocument.Section] = []

        var times: [Block] = []
        if let alert = d.firstAlert {
            times.append(.paragraph([.text("Monitoring's first alert, \(alert.name), fired at \(clock(alert.at)) (\(after(alert.at - d.trigger))).")]))
        }
        times.append(.table(PostmortemDocument.Table(
            header: ["Time to", "Team", "Par", "Against par"], numeric: [false, true, true, false],
            rows: d.times.map { time in
                let team = time.at.map { "\(clock($0)) (\(after(time.afterTrigger ?? 0)))" } ?? "not marked"
                return [time.name, team, time.par.map(after) ?? "—", time.againstPar.map(versus) ?? "—"]
            })))
        times.append(.chart)
        body.append(PostmortemDocument.Section(id: "times", title: "Times against par", blocks: times))

        var paths: [Block] = []
        if d.paths.isEmpty {
            paths.append(.paragraph([.text("The plan names no misleading paths.")]))
        } else {
            paths.append(.table(PostmortemDocument.Table(
                header: ["Path", "Raised", "Ruled out", "Time on it", "Rules it out", "Sooner by"], numeric: [false, true, true, true, false, true],
                rows: d.paths.map { path in
                    guard let raised = path.raisedAt else { return [path.name, "not raised", "—", "—", path.ruledOutBy, "—"] }
                    let ruledOut = path.settledAt.map(clock) ?? "never"
                    let run = path.probeRunAt.map { " (run \(clock($0)))" } ?? " (never run)"
                    return [path.name + " (" + path.hypotheses.map(\.id).joined(separator: ", ") + ")", clock(raised), ruledOut,
                            path.spent.map(span) ?? "—", path.ruledOutBy + run, path.couldHaveSaved.map(span) ?? "—"]
                })))
            paths.append(.paragraph([.text("\"Sooner by\" is the time from the first run of the probe that rules a path out, after it was raised, to when the team ruled it out.")]))
        }
        if !d.otherHypotheses.isEmpty {
            paths.append(.bullets(PostmortemDocument.Made(d.otherHypotheses.map { hypothesis in
                [.text("\(hypothesis.id) \(Display.firstLine(hypothesis.text, limit: 80)) — \(hypothesis.status.rawValue), not on the plan")]
            })))
        }
        body.append(PostmortemDocument.Section(id: "paths", title: "Misleading paths", blocks: paths))

        var cause: [[PostmortemDocument.Inline]] = []
        if let confirm = d.confirm {
            cause.append([.code(confirm.command), .text(confirm.firstRun.map { " shows the cause: first run at \(clock($0)) (\(after($0 - d.trigger)))" } ?? " shows the cause: never run")])
        }
        if !d.fix.commands.isEmpty {
            var parts: [PostmortemDocument.Inline] = [.text("The fix (")]
            for (index, command) in d.fix.commands.enumerated() {
                if index > 0 { parts.append(.text(" or ")) }
                parts.append(.code(command))
            }
            parts.append(.text("): " + (d.fix.firstAt.map { "first applied at \(clock($0)) (\(after($0 - d.trigger)))" } ?? "never applied")))
            if let text = d.fix.text { parts += [.text(", "), .code(text)] }
            cause.append(parts)
        }
        if !cause.isEmpty { body.append(PostmortemDocument.Section(id: "cause", title: "Cause and fix", blocks: [.bullets(PostmortemDocument.Made(cause))])) }

        var steps: [[PostmortemDocument.Inline]] = [[.text("\(d.stepsDone.count) done, \(d.stepsSkipped.count) skipped, \(d.stepsOverdue.count) overdue")]]
        if !d.stepsSkipped.isEmpty { steps.append([.strong("Skipped:"), .text(" " + d.stepsSkipped.joined(separator: ", "))]) }
        if !d.stepsOverdue.isEmpty { steps.append([.strong("Overdue:"), .text(" " + d.stepsOverdue.joined(separator: ", "))]) }
        body.append(PostmortemDocument.Section(id: "steps", title: "Playbook steps", blocks: [.bullets(PostmortemDocument.Made(steps))]))

        body.append(PostmortemDocument.Section(id: "people", title: "Who did what", blocks: [.table(PostmortemDocument.Table(
            header: ["Who", "Commands", "Probes", "Changes", "Notes", "Hypotheses", "Active"], numeric: [false, true, true, true, true, true, false],
            rows: d.people.map { person in
                [person.name + (person.logins.isEmpty ? "" : " (login \(person.logins.joined(separator: ", ")))"), "\(person.commands)", "\(person.probes)",
                 "\(person.changes)", "\(person.notes)", "\(person.hypotheses)", "\(clock(person.first))–\(clock(person.last))"]
            }))]))

        let happened: [Block] = d.happenings.isEmpty ? [.paragraph([.text("No alert fired and no scenario event or inject was recorded.")])] : [.table(PostmortemDocument.Table(
            header: ["Time", "What happened", "First reaction", "After"], numeric: [true, false, false, true],
            rows: d.happenings.map { happening in
                guard let reaction = happening.reaction else { return [clock(happening.at), happening.what, "none", "—"] }
                return [clock(happening.at), happening.what, "\(reaction.by): \(reaction.text)", span(reaction.at - happening.at)]
            }))]
        body.append(PostmortemDocument.Section(id: "happenings", title: "What happened to the team", blocks: happened))

        return PostmortemDocument(title: "Debrief: \(d.title)", warnings: d.findings, header: header, body: body, appendix: nil)
    }

    // MARK: - JSON

    static func json(_ d: Debrief) -> JSONValue {
        func time(_ at: Instant?) -> JSONValue { at.map { .string($0.iso8601) } ?? .null }
        func seconds(_ ms: Int64?) -> JSONValue { ms.map { .number(Double($0) / 1000) } ?? .null }
        return [
            "incident": .string(d.incident), "title": .string(d.title), "scenario": .string(d.scenario), "trigger": .string(d.trigger.iso8601),
            "first_alert": d.firstAlert.map { ["name": .string($0.name), "at": .string($0.at.iso8601)] } ?? .null,
            "times": .array(d.times.map { ["name": .string($0.name), "at": time($0.at), "after_trigger_s": seconds($0.afterTrigger), "par_s": seconds($0.par),
                                            "against_par_s": seconds($0.againstPar)] }),
            "misleading_paths": .array(d.paths.map { path in
                ["name": .string(path.name), "hypotheses": .array(path.hypotheses.map { .string($0.id) }), "raised_at": time(path.raisedAt),
                 "ruled_out_at": time(path.settledAt), "spent_s": seconds(path.spent), "ruled_out_by": .string(path.ruledOutBy),
                 "probe_run_at": time(path.probeRunAt), "sooner_by_s": seconds(path.couldHaveSaved)]
            }),
            "other_hypotheses": .array(d.otherHypotheses.map { ["id": .string($0.id), "text": .string($0.text), "status": .string($0.status.rawValue)] }),
            "confirm": d.confirm.map { ["command": .string($0.command), "first_run": time($0.firstRun)] } ?? .null,
            "fix": ["commands": .array(d.fix.commands.map(JSONValue.string)), "first_at": time(d.fix.firstAt), "command": d.fix.text.map(JSONValue.string) ?? .null],
            "steps": ["done": .array(d.stepsDone.map(JSONValue.string)), "skipped": .array(d.stepsSkipped.map(JSONValue.string)),
                      "overdue": .array(d.stepsOverdue.map(JSONValue.string))],
            "people": .array(d.people.map { person in
                ["name": .string(person.name), "logins": .array(person.logins.map(JSONValue.string)), "commands": .int(person.commands),
                 "probes": .int(person.probes), "changes": .int(person.changes), "notes": .int(person.notes), "hypotheses": .int(person.hypotheses),
                 "first": .string(person.first.iso8601), "last": .string(person.last.iso8601)]
            }),
            "happenings": .array(d.happenings.map { happening in
                ["at": .string(happening.at.iso8601), "what": .string(happening.what),
                 "reaction": happening.reaction.map { ["at": .string($0.at.iso8601), "by": .string($0.by), "text": .string($0.text)] } ?? .null]
            }),
            "findings": .array(d.findings.map(JSONValue.string)),
        ]
    }
}

/// The HTML debrief's chart: the intended path (the trigger and par) above the team's (its
/// times, and each misleading path from raised to ruled out), on one time axis.
struct DebriefChart {
    let debrief: Debrief

    func figure() -> String {
        let d = debrief
        let pars = d.times.compactMap { $0.par.map { d.trigger + $0 } }
        let teams = d.times.compactMap(\.at) + d.paths.compactMap(\.settledAt)
        let last = ([d.end] + pars + teams).max() ?? d.end
        let span = Double(max(last - d.trigger, 60_000))
        let width = 760.0, left = 90.0, right = 20.0
        func x(_ at: Instant) -> Double { left + (width - left - right) * min(max(Double(at - d.trigger) / span, 0), 1) }
        func label(_ text: String) -> String { SafeText.html(text) }
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(140 + 18 * d.paths.count)\" role=\"img\" aria-label=\"The team's path against par\">\n"
        svg += "<text x=\"4\" y=\"34\">Par</text><line x1=\"\(left)\" y1=\"30\" x2=\"\(width - right)\" y2=\"30\" stroke=\"#999\"/>\n"
        svg += "<text x=\"4\" y=\"74\">Team</text><line x1=\"\(left)\" y1=\"70\" x2=\"\(width - right)\" y2=\"70\" stroke=\"#999\"/>\n"
        for time in d.times {
            if let par = time.par {
                let at = x(d.trigger + par)
                svg += "<circle cx=\"\(at)\" cy=\"30\" r=\"5\" fill=\"#2b7a3d\"/><text x=\"\(at - 12)\" y=\"18\">\(label(time.name))</text>\n"
            }
            if let at = time.at {
                let position = x(at)
                svg += "<circle cx=\"\(position)\" cy=\"70\" r=\"5\" fill=\"#1f5fa8\"/><text x=\"\(position - 12)\" y=\"90\">\(label(time.name))</text>\n"
            }
        }
        for (index, path) in d.paths.enumerated() {
            guard let raised = path.raisedAt else { continue }
            let y = 110 + 18 * index
            let from = x(raised), to = x(path.settledAt ?? d.end)
            svg += "<rect x=\"\(from)\" y=\"\(y - 8)\" width=\"\(max(to - from, 2))\" height=\"10\" fill=\"#c0392b\" opacity=\"0.6\"/>"
            svg += "<text x=\"4\" y=\"\(y)\">\(label(Display.firstLine(path.name, limit: 14)))</text>\n"
        }
        svg += "<text x=\"\(left)\" y=\"\(130 + 18 * d.paths.count)\">\(label(d.trigger.clockMinutes)) trigger</text>"
        svg += "<text x=\"\(width - right - 70)\" y=\"\(130 + 18 * d.paths.count)\">\(label(last.clockMinutes))</text>\n</svg>"
        return "<figure>\n\(svg)\n<figcaption>Par (green) against the team's times (blue), with the time spent on each misleading path (red), from the trigger at \(label(d.trigger.clockMinutes)) UTC.</figcaption>\n</figure>"
    }
}
