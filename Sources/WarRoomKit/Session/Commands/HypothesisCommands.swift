/// Hypotheses (raised, ruled out, confirmed) and action items.
enum HypothesisCommands {
    static let all: [CommandSpec] = [
        CommandSpec("hypothesis", aliases: ["hyp"], usage: "hypothesis TEXT", summary: "raise a numbered hypothesis (H1, H2 …)",
                    details: "Example: hyp DDoS: traffic spike from a botnet", group: .hypotheses
        ) { session, arguments in
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage("hypothesis TEXT", "missing TEXT") }
            let id = session.state.nextHypothesisID
            try session.record(.hypothesis, text: text, data: ["id": .string(id), "status": "open"])
            return "\(id): \(text)"
        },
        decision("rule-out", status: .ruledOut, usage: "rule-out H# REASON", summary: "reject a hypothesis; it becomes a misleading path in the postmortem", reasonRequired: true),
        decision("confirm", status: .confirmed, usage: "confirm H# [REASON]", summary: "accept a hypothesis as (part of) the root cause", reasonRequired: false),
        CommandSpec(
            "action", aliases: ["todo"], usage: "action TEXT [--owner NAME] [--type mitigate|prevent|process] [--due DATE] | action done A#",
            summary: "add an action item (A1, A2 …), or mark one done",
            details: "Example: action Audit load balancer configuration changes --owner dana --type prevent --due 2023-11-20",
            group: .hypotheses, options: ["--owner", "--type", "--due"],
            complete: { session, words in
                if words.isEmpty { return ["done"] }
                if words.count == 1, words[0] == "done" { return session.state.actions.filter { !$0.done }.map(\.id) }
                return []
            }
        ) { session, arguments in
            let usage = "action TEXT [--owner NAME] [--type mitigate|prevent|process] [--due DATE] | action done A#"
            if arguments.words.first?.lowercased() == "done", arguments.words.count >= 2 || arguments.words.count == 1 {
                var probe = arguments
                _ = probe.first()
                if arguments.words.count == 1 { throw CommandError.usage(usage, "missing A#") }
                if let id = probe.first(), id.uppercased().hasPrefix("A"), Int(id.dropFirst()) != nil {
                    arguments = probe
                    return try markDone(id.uppercased(), note: arguments.rest, session: session)
                }
            }
            let owner = try arguments.option("--owner", usage: usage)
            let typeText = try arguments.option("--type", usage: usage)
            let dueText = try arguments.option("--due", usage: usage)
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage(usage, "missing TEXT") }
            var type = ActionItem.Kind.prevent
            if let typeText {
                guard let parsed = ActionItem.Kind(rawValue: typeText.lowercased()) else {
                    throw CommandError.usage(usage, "'\(typeText)' is not a type\(Suggest.hint(for: typeText, in: ActionItem.Kind.allCases.map(\.rawValue)))")
                }
                type = parsed
            }
            var due: String?
            if let dueText {
                guard let instant = Instant.parseISO8601(dueText) ?? TimeExpression.resolve(dueText, now: session.clock.now) else {
                    throw CommandError.usage(usage, "'\(dueText)' is not a date in the years 1970–9999 (use 2023-11-20)")
                }
                due = dueText.count == 10 ? instant.date : instant.iso8601Seconds
            }
            let id = session.state.nextActionID
            var data: JSONObject = ["id": .string(id), "status": "open", "type": .string(type.rawValue)]
            data["owner"] = owner.map(JSONValue.string) ?? .null
            data["due"] = due.map(JSONValue.string) ?? .null
            try session.record(.action, text: text, data: data)
            var details = [type.rawValue]
            details.append(owner.map { "owner \($0)" } ?? "no owner yet")
            if let due { details.append("due \(due)") }
            return "\(id): \(text) (\(details.joined(separator: ", ")))"
        },
    ]

    static func decision(_ name: String, status: Hypothesis.Status, usage: String, summary: String, reasonRequired: Bool) -> CommandSpec {
        CommandSpec(name, usage: usage, summary: summary, group: .hypotheses,
                    complete: { session, words in words.isEmpty ? session.state.hypotheses.filter { $0.status == .open }.map(\.id) : [] }
        ) { session, arguments in
            let idText = try arguments.require("H#", usage: usage).uppercased()
            guard let hypothesis = session.state.hypothesis(idText) else {
                let known = session.state.hypotheses.map(\.id)
                let open = session.state.hypotheses.filter { $0.status == .open }.map(\.id)
                throw CommandError.invalid("no hypothesis \(idText)" + (known.isEmpty ? "; raise one with 'hypothesis TEXT'"
                    : open.isEmpty ? "; none is open (decided: \(Suggest.list(known)))" : "; open ones: \(Suggest.list(open))"))
            }
            let reason = arguments.rest
            if reasonRequired, reason.isEmpty { throw CommandError.usage(usage, "missing REASON (why it is ruled out goes into the postmortem)") }
            guard hypothesis.status != status else { throw CommandError.invalid("\(hypothesis.id) is already \(status.rawValue)") }
            let verb = status == .ruledOut ? "ruled out" : "confirmed"
            try session.record(.hypothesis, text: reason.isEmpty ? "\(hypothesis.id) \(verb)" : reason,
                               data: ["id": .string(hypothesis.id), "status": .string(status.rawValue), "reason": .string(reason)])
            return "\(hypothesis.id) \(verb): \(hypothesis.text)"
        }
    }

    static func markDone(_ id: String, note: String, session: Session) throws -> String {
        guard let action = session.state.action(id) else {
            let open = session.state.actions.filter { !$0.done }.map(\.id)
            throw CommandError.invalid("no action \(id)" + (open.isEmpty ? "; none is open (add one with 'action TEXT')" : "; open ones: \(Suggest.list(open))"))
        }
        guard !action.done else { throw CommandError.invalid("\(action.id) is already done") }
        try session.record(.action, text: note.isEmpty ? "\(action.id) done" : note, data: ["id": .string(action.id), "status": "done"])
        return "\(action.id) done: \(action.text)"
    }
}
