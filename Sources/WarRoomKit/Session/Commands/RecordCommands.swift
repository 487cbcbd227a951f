/// Commands that put statements on the record: notes, milestones, severity, roles, escalations,
/// updates, postmortem statements, and corrections.
enum RecordCommands {
    static let noteTags = ["went-well", "went-wrong", "lucky", "trigger", "impact"]

    static let all: [CommandSpec] = [
        CommandSpec(
            "note", aliases: ["n"], usage: "note TEXT", summary: "add a note (#went-well #went-wrong #lucky #trigger #impact feed the postmortem)",
            details: "Tags are words starting with #; the five above feed the postmortem's lessons and statements.\nExample: note rollback was fast thanks to config versioning #went-well",
            group: .record, decide: { context, arguments in
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage("note TEXT", "missing TEXT") }
            let tags = tags(in: text)
            let entry = try context.record(.note, text: text, data: tags.isEmpty ? [:] : ["tags": .array(tags.map(JSONValue.string))])
            return "noted (#\(entry.seq))"
        }),
        CommandSpec(
            "mark", usage: "mark MILESTONE [--at TIME] [--force] [TEXT]",
            summary: "record a milestone (impact-start, detected, acknowledged, escalated, mitigated, resolved)",
            details: """
                TIME is HH:MM[:SS]Z, an ISO-8601 instant, or relative like -15m; it backdates the milestone. A clock time
                more than 12 hours ahead means the day before, when the day before fits the incident. Without --at,
                `detected` takes the time of the first alert when monitoring alerted. A milestone that would put the
                incident out of order (resolved before detected, mitigated before impact-start, anything before a drill
                began) is refused with the reason; --force records it anyway, marked as forced.
                Example: mark impact-start --at 03:40Z errors began climbing after maintenance
                """,
            group: .record, options: ["--at", "--force"], changes: { _ in true },
            dependsOn: { words in words.first { !$0.hasPrefix("--") && Milestone(rawValue: $0.lowercased()) != nil }.map { .milestone($0.lowercased()) } },
            complete: { _, words in words.isEmpty ? Milestone.allCases.map(\.rawValue) : [] }, decide: { context, arguments in
            let usage = "mark MILESTONE [--at TIME] [--force] [TEXT]"
            let atText = try arguments.option("--at", usage: usage)
            let force = arguments.flag("--force")
            let name = try arguments.require("MILESTONE", usage: usage).lowercased()
            guard let milestone = Milestone(rawValue: name) else {
                throw CommandError.invalid("unknown milestone '\(name)'\(Suggest.hint(for: name, in: Milestone.allCases.map(\.rawValue))); milestones: \(Milestone.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let now = context.now
            var time = now
            var alert: AlertRecord?
            if let atText {
                let earliest = context.state.isDrill ? context.state.openedAt : nil
                guard let resolved = TimeExpression.resolve(atText, now: now, earliest: earliest) else {
                    throw CommandError.usage(usage, "'\(atText)' is not a time in the years 1970–9999 (use 03:45Z, 2023-11-05T03:45:00Z or -15m)")
                }
                guard resolved <= now else {
                    if let earliest, resolved - 86_400_000 < earliest, resolved - now > 12 * 3_600_000 {
                        throw CommandError.invalid("--at \(atText) is later today, and the day before is before this drill began (\(earliest.clockSeconds)); give a time between \(earliest.clockSeconds) and \(now.clockSeconds)")
                    }
                    throw CommandError.invalid("--at \(atText) is in the future (the incident clock says \(now.clockSeconds)); milestones can be backdated, not postdated")
                }
                time = resolved
            } else if milestone == .detected, let first = context.state.firstAlert {
                time = first.at
                alert = first
            }
            return try context.markMilestone(milestone, at: time, text: arguments.rest, force: force, alert: alert) + (atText.map(TimeExpression.zoneNote) ?? "")
        }),
        CommandSpec(
            "severity", usage: "severity SEV-N [REASON]", summary: "change the severity (SEV-1 highest … SEV-5)",
            details: "Setting the severity it already has is recorded as a line that changed nothing.\nExample: severity SEV-1 a third of users cannot send messages",
            group: .record, changes: { _ in true },
            complete: { _, words in words.isEmpty ? ["SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5"] : [] }, decide: { context, arguments in
            let usage = "severity SEV-N [REASON]"
            let level = try Session.validSeverity(try arguments.require("SEV-N", usage: usage))
            let from = context.state.severity
            guard level != from else { return "severity is already \(level)" }
            let reason = arguments.rest
            try context.record(.severity, text: "Severity \(from) → \(level)" + (reason.isEmpty ? "" : ": \(reason)"),
                               data: ["from": .string(from), "to": .string(level), "reason": .string(reason)])
            return "severity \(from) → \(level)"
        }),
        CommandSpec("as", usage: "as NAME", summary: "set who is typing in this terminal (entries are recorded under this name)",
                    details: "Changes this terminal's responder only; the incident's roles stay as they are (hand one over with 'role').\nExample: as omar",
                    group: .record,
                    complete: { session, words in words.isEmpty ? session.state.responders : [] }
        ) { session, arguments in
            let name = try arguments.require("NAME", usage: "as NAME")
            try arguments.expectEnd(usage: "as NAME")
            guard (try? Session.checkResponder(name)) != nil else {
                throw CommandError.usage("as NAME", "a responder's name is one word without control characters")
            }
            let previous = session.responder
            var data: JSONObject = ["responder": .string(name), "previous": .string(previous)]
            if let shell = session.shell { data["shell"] = .int(shell) }
            try session.record(.role, text: "\(name) is at the keyboard (was \(previous))", data: data, by: name)
            session.typeAs(name)
            let roles = session.state.roles(of: name)
            return "now typing as \(name)" + (roles.isEmpty ? "" : " (\(roles.joined(separator: ", ")))")
        },
        CommandSpec(
            "role", usage: "role ROLE NAME", summary: "record who holds a role (commander, scribe, operations, communications …)",
            details: "A role held by someone else is handed over, and the entry says from whom.\nExample: role scribe omar",
            group: .record, dependsOn: { words in words.first.map { .role($0.lowercased()) } },
            complete: { session, words in
                words.isEmpty ? ["commander", "scribe", "operations", "communications", "subject-matter-expert"]
                    : words.count == 1 ? session.state.responders : []
            }, decide: { context, arguments in
            let usage = "role ROLE NAME"
            let role = try arguments.require("ROLE", usage: usage).lowercased()
            let name = arguments.rest
            guard !name.isEmpty else { throw CommandError.usage(usage, "missing NAME") }
            var data: JSONObject = ["role": .string(role), "name": .string(name)]
            let holder = context.state.roles.first { $0.role == role }?.name
            if holder == name { return "\(name) is already \(role)" }
            if let holder { data["from"] = .string(holder) }
            let text = holder.map { "\(role) handed over from \($0) to \(name)" } ?? "\(name) is \(role)"
            try context.record(.role, text: text, data: data)
            return holder.map { "\(role): \($0) → \(name)" } ?? "\(role): \(name)"
        }),
        CommandSpec("escalate", usage: "escalate TO [REASON]", summary: "record an escalation (the first one marks 'escalated')",
                    details: "The first escalation sets the 'escalated' milestone. An escalation rule's reminder pages nobody; this records that you did.\nExample: escalate reliability-team skewed distribution points at the load balancer", group: .record, changes: { _ in true }, decide: { context, arguments in
            let usage = "escalate TO [REASON]"
            let to = try arguments.require("TO", usage: usage)
            return try context.escalate(to: to, reason: arguments.rest)
        }),
        CommandSpec("update", usage: "update TEXT", summary: "post a stakeholder status update (resets the update reminder)",
                    details: "Example: update Rollback applied at 04:06; errors back to normal; next update 04:45", group: .record, decide: { context, arguments in
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage("update TEXT", "missing TEXT") }
            let entry = try context.record(.update, text: text)
            return "status update posted (#\(entry.seq))"
        }),
        statement("rootcause", key: "root_cause", label: "root cause", example: "weights inverted by the maintenance canary ramp overloaded three servers"),
        statement("trigger", key: "trigger", label: "trigger", example: "maintenance automation applied the canary weights to the wrong set at 03:40"),
        statement("impact", key: "impact", label: "impact", example: "about 30% of users could not send or receive messages"),
        CommandSpec("amend", usage: "amend SEQ TEXT", summary: "correct an entry's text by appending a correction",
                    details: "The entry stays as written; views and the postmortem show the correction. Retract the amendment to withdraw it.\nExample: amend 42 rollback to version 1, not 2", group: .record,
                    complete: { session, words in words.isEmpty ? recentSeqs(session) : [] }, decide: { context, arguments in
            let usage = "amend SEQ TEXT"
            let target = try targetSeq(try arguments.require("SEQ", usage: usage), context: context, usage: usage)
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage(usage, "missing TEXT") }
            let entry = try context.record(.amend, text: text, data: ["target": .int(target)])
            return "#\(target) amended (#\(entry.seq))"
        }),
        CommandSpec("retract", usage: "retract SEQ REASON", summary: "withdraw an entry from the record, with the reason",
                    details: "The entry stays in the transcript, marked withdrawn: a retracted milestone no longer counts for timers, steps or the postmortem.\nExample: retract 37 mitigated too early, errors came back", group: .record,
                    complete: { session, words in words.isEmpty ? recentSeqs(session) : [] }, decide: { context, arguments in
            let usage = "retract SEQ REASON"
            let target = try targetSeq(try arguments.require("SEQ", usage: usage), context: context, usage: usage)
            let reason = arguments.rest
            guard !reason.isEmpty else { throw CommandError.usage(usage, "missing REASON") }
            if context.state.retractions[target] != nil { throw CommandError.invalid("#\(target) is already retracted") }
            let entry = try context.record(.retract, text: reason, data: ["target": .int(target), "reason": .string(reason)])
            return "#\(target) retracted (#\(entry.seq))"
        }),
        CommandSpec("highlight", usage: "highlight SEQ [REASON]", summary: "put an entry in the postmortem's timeline (the body's, not only the appendix)",
                    details: "The postmortem's body shows about 20 events; highlight one it would leave out (a probe, a note …). 'retract' the highlight to undo it.\nExample: highlight 42 the probe that showed the skew",
                    group: .record, complete: { session, words in words.isEmpty ? recentSeqs(session) : [] }
        ) { session, arguments in
            let usage = "highlight SEQ [REASON]"
            let target = try curatedSeq(try arguments.require("SEQ", usage: usage), context: session, usage: usage)
            let reason = arguments.rest
            var data: JSONObject = ["target": .int(target)]
            if !reason.isEmpty { data["reason"] = .string(reason) }
            let touched = try session.store.entries(after: target - 1).first
            let entry = try session.record(.highlight, text: "Highlight #\(target) in the postmortem" + (reason.isEmpty ? "" : ": \(reason)"), data: data)
            return "#\(target) will be in the postmortem's timeline (#\(entry.seq))" + (touched.map { "\n  " + Self.echo($0) } ?? "")
        },
        CommandSpec("omit", usage: "omit SEQ REASON", summary: "keep an entry out of the postmortem's timeline (it stays in the appendix)",
                    details: "For an event the body would show that a reader does not need. The entry stays on the record and in the appendix; 'retract' the omit to undo it.\nExample: omit 57 duplicate of the 03:51 update",
                    group: .record, complete: { session, words in words.isEmpty ? recentSeqs(session) : [] }
        ) { session, arguments in
            let usage = "omit SEQ REASON"
            let target = try curatedSeq(try arguments.require("SEQ", usage: usage), context: session, usage: usage)
            let reason = arguments.rest
            guard !reason.isEmpty else { throw CommandError.usage(usage, "missing REASON") }
            let touched = try session.store.entries(after: target - 1).first
            let entry = try session.record(.omit, text: "Omit #\(target) from the postmortem's timeline: \(reason)",
                                           data: ["target": .int(target), "reason": .string(reason)])
            var lines = ["#\(target) will be left out of the postmortem's timeline (#\(entry.seq))"]
            if let touched {
                lines.append("  " + Self.echo(touched))
                // The body's story rests on these: leaving one out is allowed, and said.
                if touched.kind == .milestone {
                    lines.append("  warning: #\(target) is the '\(touched.data["milestone"]?.stringValue ?? "")' milestone; its time still counts in the figures, but the timeline will not show it")
                } else if touched.kind == .open || touched.kind == .statement && touched.data["statement"] == "trigger" {
                    lines.append("  warning: #\(target) is \(touched.kind == .open ? "the incident's opening" : "the trigger"); the timeline will not show \(touched.kind == .open ? "when it opened" : "what set it off")")
                }
            }
            return lines.joined(separator: "\n")
        },
    ]

    /// `#12 03:45:45Z monitoring alert: Alert MessagingErrorRate firing …`: the entry a
    /// `highlight` or `omit` touched, so the responder sees it was the one meant.
    static func echo(_ entry: TranscriptEntry) -> String {
        "#\(entry.seq) \(entry.at.clockSeconds) \(entry.author) \(entry.kind.rawValue): \(Display.firstLine(TimelineView.summary(entry), limit: 100))"
    }

    /// The entry a `highlight` or `omit` names: any entry on the record, the opening included.
    static func curatedSeq(_ text: String, context: any CommandContext, usage: String) throws -> Int {
        let digits = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard let seq = Int(digits) else { throw CommandError.usage(usage, "'\(text)' is not an entry number") }
        guard seq >= 1, seq <= context.state.lastSeq else {
            throw CommandError.invalid("no entry #\(seq); entries run from #1 to #\(context.state.lastSeq) (see 'timeline')")
        }
        return seq
    }

    static func statement(_ name: String, key: String, label: String, example: String) -> CommandSpec {
        CommandSpec(name, usage: "\(name) TEXT", summary: "state the \(label) for the postmortem (a later one replaces it)",
                    details: "Example: \(name) \(example)", group: .record, decide: { context, arguments in
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage("\(name) TEXT", "missing TEXT") }
            let replacing = context.state.statement(key) != nil
            try context.record(.statement, text: text, data: ["statement": .string(key)])
            return "\(label) \(replacing ? "updated" : "recorded")"
        })
    }

    /// `#word` tags in a note, lowercased, without the `#`.
    static func tags(in text: String) -> [String] {
        var tags: [String] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) where word.hasPrefix("#") && word.count > 1 {
            let tag = word.dropFirst().lowercased().trimmed(of: ".,;:!?)")
            if !tag.isEmpty, !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }

    static func targetSeq(_ text: String, context: any CommandContext, usage: String) throws -> Int {
        let digits = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard let seq = Int(digits) else { throw CommandError.usage(usage, "'\(text)' is not an entry number") }
        guard seq >= 1, seq <= context.state.lastSeq else {
            throw CommandError.invalid("no entry #\(seq); entries run from #1 to #\(context.state.lastSeq) (see 'timeline')")
        }
        guard seq != 1 else { throw CommandError.invalid("#1 opens the incident and cannot be amended or retracted") }
        return seq
    }

    static func recentSeqs(_ session: Session) -> [String] {
        let last = session.state.lastSeq
        return (max(2, last - 19)...max(2, last)).reversed().map(String.init)
    }
}

extension IncidentState {
    func statement(_ key: String) -> Statement? {
        switch key {
        case "root_cause": return rootCause
        case "trigger": return trigger
        case "impact": return impact
        default: return nil
        }
    }
}
