/// Hypotheses (raised, ruled out, confirmed) and action items.
enum HypothesisCommands {
    static let all: [CommandSpec] = [
        CommandSpec("hypothesis", aliases: ["hyp"], usage: "hypothesis TEXT", summary: "raise a numbered hypothesis (H1, H2 …)",
                    details: "Example: hyp DDoS: traffic spike from a botnet", group: .hypotheses, decide: { context, arguments in
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage("hypothesis TEXT", "missing TEXT") }
            let id = context.state.nextHypothesisID
            try context.record(.hypothesis, text: text, data: ["id": .string(id), "status": "open"])
            return "\(id): \(text)"
        }),
        decision("rule-out", status: .ruledOut, usage: "rule-out H# REASON", summary: "reject a hypothesis; it becomes a misleading path in the postmortem", reasonRequired: true),
        decision("confirm", status: .confirmed, usage: "confirm H# [REASON]", summary: "accept a hypothesis as (part of) the root cause", reasonRequired: false),
        CommandSpec(
            "action", aliases: ["todo"], usage: "action TEXT [--owner NAME] [--type mitigate|prevent|process] [--due DATE] | action A# [--owner NAME] [--type T] [--due DATE] | action done A# | action reopen A#",
            summary: "add an action item (A1, A2 …), edit one, or mark one done or open again",
            details: """
                `action A# --owner NAME --due DATE --type TYPE` changes those fields of an existing item (its text is
                corrected with `amend SEQ TEXT`). `action done A#` and `action reopen A#` need an item that exists.
                Examples: action Audit load balancer configuration changes --owner dana --type prevent --due 2023-11-20
                          action A2 --owner omar · action done A2 · action reopen A2
                """,
            group: .hypotheses, options: ["--owner", "--type", "--due"],
            complete: { session, words in
                if words.isEmpty { return ["done", "reopen"] + session.state.actions.map(\.id) }
                if words.count == 1, words[0] == "done" { return session.state.actions.filter { !$0.done }.map(\.id) }
                if words.count == 1, words[0] == "reopen" { return session.state.actions.filter(\.done).map(\.id) }
                return []
            }, decide: { context, arguments in
            let usage = "action TEXT [--owner NAME] [--type mitigate|prevent|process] [--due DATE] | action A# [--owner …] | action done A# | action reopen A#"
            let owner = try arguments.option("--owner", usage: usage)
            let typeText = try arguments.option("--type", usage: usage)
            let dueText = try arguments.option("--due", usage: usage)
            let type = try typeText.map { try actionType($0, usage: usage) }
            let due = try dueText.map { try dueDate($0, context: context, usage: usage) }
            if let owner { try checkOwner(owner, usage: usage) }
            let first = arguments.words.first?.lowercased()
            if first == "done" || first == "reopen" {
                _ = arguments.first()
                guard let idText = arguments.first() else { throw CommandError.usage(usage, "missing A# after '\(first!)'") }
                guard owner == nil, type == nil, due == nil else { throw CommandError.usage(usage, "'action \(first!) A#' takes no options; edit with 'action A# --owner …'") }
                let action = try existingAction(idText, context: context)
                return first == "done" ? try markDone(action, note: arguments.rest, context: context) : try reopen(action, note: arguments.rest, context: context)
            }
            if let word = arguments.words.first, looksLikeActionID(word) {
                _ = arguments.first()
                let action = try existingAction(word, context: context)
                guard arguments.rest.isEmpty else {
                    throw CommandError.usage(usage, "'action \(action.id)' edits the owner, type or due date; correct its text with 'amend \(action.seq) TEXT'")
                }
                guard owner != nil || type != nil || due != nil else {
                    throw CommandError.usage(usage, "say what to change: 'action \(action.id) --owner NAME', '--type TYPE' or '--due DATE'")
                }
                return try edit(action, owner: owner, type: type, due: due, context: context)
            }
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage(usage, "missing TEXT") }
            let id = context.state.nextActionID
            var data: JSONObject = ["id": .string(id), "status": "open", "type": .string((type ?? .prevent).rawValue)]
            data["owner"] = owner.map(JSONValue.string) ?? .null
            data["due"] = due.map(JSONValue.string) ?? .null
            try context.record(.action, text: text, data: data)
            var details = [(type ?? .prevent).rawValue]
            details.append(owner.map { "owner \($0)" } ?? "no owner yet")
            if let due { details.append("due \(due)") }
            return "\(id): \(text) (\(details.joined(separator: ", ")))"
        }),
    ]

    /// `A7`, `a7`, `A99999999999999999999`: a word meant as an action id, whether or not it exists.
    static func looksLikeActionID(_ word: String) -> Bool {
        guard word.count >= 2, word.first == "A" || word.first == "a" else { return false }
        return word.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The action an id names, or an error listing the ones there are.
    static func existingAction(_ text: String, context: any CommandContext) throws -> ActionItem {
        let id = text.uppercased()
        guard looksLikeActionID(id) else { throw CommandError.invalid("'\(Display.firstLine(text, limit: 40))' is not an action id (A1, A2 …)") }
        if let action = context.state.action(id) { return action }
        let known = context.state.actions.map(\.id)
        let shown = id.count > 12 ? String(id.prefix(12)) + "…" : id
        throw CommandError.invalid("no action \(shown)" + (known.isEmpty ? "; add one with 'action TEXT'" : "; actions: \(Suggest.list(known))"))
    }

    static func actionType(_ text: String, usage: String) throws -> ActionItem.Kind {
        guard let parsed = ActionItem.Kind(rawValue: text.lowercased()) else {
            throw CommandError.usage(usage, "'\(text)' is not a type\(Suggest.hint(for: text, in: ActionItem.Kind.allCases.map(\.rawValue)))")
        }
        return parsed
    }

    static func dueDate(_ text: String, context: any CommandContext, usage: String) throws -> String {
        guard let instant = Instant.parseISO8601(text) ?? TimeExpression.resolve(text, now: context.now) else {
            throw CommandError.usage(usage, "'\(text)' is not a date in the years 1970–9999 (use 2023-11-20)")
        }
        return text.count == 10 ? instant.date : instant.iso8601Seconds
    }

    static func checkOwner(_ name: String, usage: String) throws {
        guard (try? Session.checkResponder(name)) != nil else { throw CommandError.usage(usage, "an owner is one name without spaces or control characters") }
    }

    static func edit(_ action: ActionItem, owner: String?, type: ActionItem.Kind?, due: String?, context: any CommandContext) throws -> String {
        var data: JSONObject = ["id": .string(action.id), "edit": true]
        var changes: [String] = []
        if let owner, owner != action.owner {
            data["owner"] = .string(owner)
            changes.append("owner \(action.owner ?? "none") → \(owner)")
        }
        if let type, type != action.type {
            data["type"] = .string(type.rawValue)
            changes.append("type \(action.type.rawValue) → \(type.rawValue)")
        }
        if let due, due != action.due {
            data["due"] = .string(due)
            changes.append("due \(action.due ?? "none") → \(due)")
        }
        guard !changes.isEmpty else { return "\(action.id) unchanged: it already has those values" }
        try context.record(.action, text: "\(action.id): " + changes.joined(separator: ", "), data: data)
        return "\(action.id) edited: " + changes.joined(separator: ", ")
    }

    static func decision(_ name: String, status: Hypothesis.Status, usage: String, summary: String, reasonRequired: Bool) -> CommandSpec {
        CommandSpec(name, usage: usage, summary: summary,
                    details: status == .ruledOut ? "Example: rule-out H1 traffic at baseline (ratio 1.00), top source 3.9%" : "Example: confirm H4 three servers carry a third of the users since the 03:40 weights",
                    group: .hypotheses, dependsOn: { words in words.first.map { .hypothesis($0.uppercased()) } },
                    complete: { session, words in words.isEmpty ? session.state.hypotheses.filter { $0.status == .open }.map(\.id) : [] }, decide: { context, arguments in
            let idText = try arguments.require("H#", usage: usage).uppercased()
            guard let hypothesis = context.state.hypothesis(idText) else {
                let known = context.state.hypotheses.map(\.id)
                let open = context.state.hypotheses.filter { $0.status == .open }.map(\.id)
                throw CommandError.invalid("no hypothesis \(idText)" + (known.isEmpty ? "; raise one with 'hypothesis TEXT'"
                    : open.isEmpty ? "; none is open (decided: \(Suggest.list(known)))" : "; open ones: \(Suggest.list(open))"))
            }
            let reason = arguments.rest
            if reasonRequired, reason.isEmpty { throw CommandError.usage(usage, "missing REASON (why it is ruled out goes into the postmortem)") }
            if let at = context.backdate, at < hypothesis.raisedAt {
                throw CommandError.invalid("--at \(at.iso8601Seconds) is before \(hypothesis.id) was raised (\(hypothesis.raisedAt.iso8601Seconds)); a hypothesis is decided after it is raised")
            }
            guard hypothesis.status == .open else {
                // Decided already, perhaps by someone else a moment ago: saying the opposite is
                // a contradiction for the room to talk over, not one to put on the record.
                let when = hypothesis.resolvedAt.map { " at \($0.clockSeconds)" } ?? ""
                let reason = hypothesis.reason.flatMap { $0.isEmpty ? nil : " (\(Display.firstLine($0, limit: 80)))" } ?? ""
                throw CommandError.invalid("\(hypothesis.id) is already \(hypothesis.status.rawValue)\(when)\(reason); to reopen the question, raise it again with 'hypothesis TEXT'")
            }
            let verb = status == .ruledOut ? "ruled out" : "confirmed"
            try context.record(.hypothesis, text: reason.isEmpty ? "\(hypothesis.id) \(verb)" : reason,
                               data: ["id": .string(hypothesis.id), "status": .string(status.rawValue), "reason": .string(reason)])
            return "\(hypothesis.id) \(verb): \(hypothesis.text)"
        })
    }

    static func markDone(_ action: ActionItem, note: String, context: any CommandContext) throws -> String {
        guard !action.done else { throw CommandError.invalid("\(action.id) is already done (reopen it with 'action reopen \(action.id)')") }
        try context.record(.action, text: note.isEmpty ? "\(action.id) done" : note, data: ["id": .string(action.id), "status": "done"])
        return "\(action.id) done: \(action.text)"
    }

    static func reopen(_ action: ActionItem, note: String, context: any CommandContext) throws -> String {
        guard action.done else { throw CommandError.invalid("\(action.id) is open already") }
        try context.record(.action, text: note.isEmpty ? "\(action.id) reopened" : note, data: ["id": .string(action.id), "status": "open"])
        return "\(action.id) reopened: \(action.text)"
    }
}
