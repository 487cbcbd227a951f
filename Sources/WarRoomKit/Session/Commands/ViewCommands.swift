/// Commands that show the incident without changing it.
enum ViewCommands {
    static let all: [CommandSpec] = [
        CommandSpec("help", aliases: ["?"], usage: "help [COMMAND]", summary: "list commands, or explain one",
                    details: "Example: help lb", group: .view, readOnly: true,
                    complete: { session, words in words.isEmpty ? session.commands.specs.map(\.name) : [] }
        ) { session, arguments in
            if let name = arguments.first()?.lowercased() {
                guard let spec = session.commands.lookup(name) else {
                    throw CommandError.unknownCommand(name, suggestion: Suggest.closest(to: name, in: session.commands.allNames))
                }
                var lines = ["usage: \(spec.usage)", spec.summary]
                if !spec.aliases.isEmpty { lines.append("aliases: \(spec.aliases.joined(separator: ", "))") }
                if !spec.details.isEmpty { lines.append(spec.details) }
                return lines.joined(separator: "\n")
            }
            return helpText(session)
        },
        CommandSpec("status", usage: "status", summary: "severity, phase, roles, milestones, open hypotheses and actions, next timer",
                    details: "Example: status", group: .view, readOnly: true
        ) { session, arguments in
            try arguments.expectEnd(usage: "status")
            return statusText(session)
        },
        CommandSpec("timeline", usage: "timeline [--last N]", summary: "the incident so far",
                    details: "Example: timeline --last 20", group: .view, options: ["--last"], readOnly: true
        ) { session, arguments in
            let usage = "timeline [--last N]"
            var last: Int?
            if let text = try arguments.option("--last", usage: usage) {
                guard let value = try? Bounds.integer(text, Bounds.count) else {
                    throw CommandError.usage(usage, "--last needs a number of entries, \(Bounds.count.range), not '\(text)'")
                }
                last = value
            }
            try arguments.expectEnd(usage: usage)
            // Through the store, so a room reads it as a file does.
            return TimelineView.render(entries: try session.store.entries(after: 0).filter { $0.isVisible(to: session.responder, facilitator: session.isFacilitator) },
                                       state: session.state, last: last)
        },
        CommandSpec("show", usage: "show SEQ", summary: "one transcript entry in full",
                    details: "Example: show 42", group: .view, readOnly: true,
                    complete: { session, words in words.isEmpty ? RecordCommands.recentSeqs(session) : [] }
        ) { session, arguments in
            let usage = "show SEQ"
            let text = try arguments.require("SEQ", usage: usage)
            try arguments.expectEnd(usage: usage)
            guard let seq = Int(text.hasPrefix("#") ? String(text.dropFirst()) : text) else {
                throw CommandError.usage(usage, "'\(text)' is not an entry number")
            }
            guard seq >= 1, seq <= session.state.lastSeq else {
                throw CommandError.invalid("no entry #\(seq); entries run from #1 to #\(session.state.lastSeq)")
            }
            guard let entry = try session.store.entries(after: seq - 1).first, entry.seq == seq else { throw CommandError.invalid("no entry #\(seq)") }
            guard entry.isVisible(to: session.responder, facilitator: session.isFacilitator) else {
                throw CommandError.invalid("#\(seq) is the drill facilitator's, not shown to responders")
            }
            return EntryView.render(entry, state: session.state)
        },
    ]

    static func helpText(_ session: Session) -> String {
        var sections: [String] = []
        for group in CommandSpec.Group.allCases {
            let specs = session.commands.specs.filter { $0.group == group }
            guard !specs.isEmpty else { continue }
            // `action TEXT … | action done A#` lists its first form; the summary says the rest.
            let rows = specs.map { ["  " + ($0.usage.components(separatedBy: " | ").first ?? $0.usage), $0.summary] }
            sections.append("\(group.rawValue):\n" + Display.table(rows))
        }
        sections.append("Type 'help COMMAND' for details. Tab completes commands, ids and names; Ctrl-R searches history; Ctrl-D pauses.")
        return sections.joined(separator: "\n\n")
    }

    static func statusText(_ session: Session) -> String {
        let state = session.state
        let now = session.clock.now
        var lines: [String] = []
        lines.append("\(state.id) — \(state.title)")
        lines.append("\(state.severity) · \(state.status.rawValue) · \(now.clockSeconds) · \(DurationText.elapsed(milliseconds: now - state.openedAt)) since open · clock \(session.clock.mode.rawValue)\(session.clock.mode == .virtual ? " ×\(String(format3: session.clock.speed))" : "")")
        var position = "phase: \(state.currentPhase)"
        if let step = state.step { position += " · step: \(step)" }
        lines.append(position)
        let roles = state.roles.map { "\($0.role) \($0.name)" }
        lines.append("responder: \(session.responder)" + (roles.isEmpty ? "" : " · roles: " + roles.joined(separator: ", ")))
        let marked = Milestone.allCases.compactMap { m in state.milestones[m.rawValue].map { "\(m.rawValue) \($0.time.clockMinutes)" } }
        let missing = Milestone.allCases.filter { state.milestones[$0.rawValue] == nil }.map(\.rawValue)
        lines.append("milestones: " + (marked.isEmpty ? "none" : marked.joined(separator: ", ")) + (missing.isEmpty ? "" : " · not yet: " + missing.joined(separator: ", ")))
        let open = state.hypotheses.filter { $0.status == .open }
        let decided = state.hypotheses.filter { $0.status != .open }
        if !state.hypotheses.isEmpty {
            lines.append("hypotheses: " + (open.isEmpty ? "none open" : open.map { "\($0.id) \(Display.firstLine($0.text, limit: 50))" }.joined(separator: "; "))
                + (decided.isEmpty ? "" : " · decided: " + decided.map { "\($0.id) \($0.status.rawValue)" }.joined(separator: ", ")))
        }
        let actions = state.actions.filter { !$0.done }
        if !state.actions.isEmpty {
            lines.append("actions: " + (actions.isEmpty ? "all done" : actions.map { "\($0.id) \(Display.firstLine($0.text, limit: 40))" + ($0.owner.map { " (\($0))" } ?? " (no owner)") }.joined(separator: "; ")))
        }
        if let update = state.lastUpdateAt {
            lines.append("last update: \(update.clockMinutes) (\(now - update < 1000 ? "just now" : DurationText.format(milliseconds: now - update) + " ago"))")
        }
        if let progress = session.progress {
            lines.append("playbook: \(session.playbook?.id ?? "") · " + progress.status(at: now).summary)
        }
        if let target = session.target {
            var line = "load balancer: \(target.label)"
            if let console = session.console { line += " · configuration v\(console.current.number) by \(console.current.by) at \(console.current.at.clockMinutes)" }
            lines.append(line)
        }
        return Display.sanitize(lines.joined(separator: "\n"))
    }
}

/// One entry in full, for `show`.
enum EntryView {
    static func render(_ entry: TranscriptEntry, state: IncidentState) -> String {
        var rows: [[String]] = [
            ["seq", "\(entry.seq)"], ["at", entry.at.iso8601], ["wall", entry.wall.iso8601], ["by", entry.by], ["kind", entry.kind.rawValue],
        ]
        if let login = entry.login, login != entry.by { rows.insert(["login", login], at: 4) }
        if let phase = entry.phase { rows.append(["phase", phase]) }
        if let step = entry.step { rows.append(["step", step]) }
        if let input = entry.input { rows.append(["input", input]) }
        if let amended = state.amendments[entry.seq] { rows.append(["amended", amended]) }
        if let reason = state.retractions[entry.seq] { rows.append(["retracted", reason]) }
        rows.append(["hash", entry.hash])
        var text = Display.table(rows)
        if !entry.text.isEmpty { text += "\n\n" + entry.text }
        if !entry.data.isEmpty { text += "\n\ndata: " + JSONValue.object(entry.data).serialized() }
        return Display.sanitize(text)
    }
}
