/// The guided session: the playbook's steps, moving along them, and running their suggestions.
enum PlaybookCommands {
    static let all: [CommandSpec] = [
        CommandSpec("steps", usage: "steps", summary: "the playbook's steps by phase: done, current, skipped, overdue, pending, not taken",
                    details: "A pending step before the furthest one reached lies on a branch the path did not take: it shows as 'not taken'.\nExample: steps",
                    group: .playbook, readOnly: true, decide: { context, arguments in
            try arguments.expectEnd(usage: "steps")
            return try context.requireProgress().stepsReport(at: context.now)
        }),
        CommandSpec("done", usage: "done [STEP | --step STEP] [NOTE]", summary: "complete the current (or named) step and move on along the playbook's branches",
                    details: """
                        The first word names a step only when it is a step not yet done (the current one, or one ahead, which is then
                        done ahead of time); otherwise the whole line is a note on the current step. --step STEP names it explicitly.
                        Example: done rollback to v1 brought errors down to 0.05%
                        """,
                    group: .playbook, options: ["--step"], changes: { _ in true }, dependsOn: { _ in .step },
                    complete: { session, words in words.isEmpty ? session.openStepIDs : [] }, decide: { context, arguments in
            let progress = try context.requireProgress()
            let step = try context.leadingStep(&arguments, usage: "done [STEP | --step STEP] [NOTE]")
            let note = arguments.rest
            let undone = leftUndone(step ?? context.state.step, in: context)
            return try context.apply(progress.done(step: step, note: note.isEmpty ? nil : note, at: context.now)) + undone
        }),
        CommandSpec("next", usage: "next", summary: "complete the current step (same as 'done')",
                    details: "Example: next", group: .playbook, changes: { _ in true }, dependsOn: { _ in .stepAtPrompt }, decide: { context, arguments in
            try arguments.expectEnd(usage: "next")
            let undone = leftUndone(context.state.step, in: context)
            return try context.apply(context.requireProgress().next(at: context.now)) + undone
        }),
        CommandSpec("skip", usage: "skip [STEP | --step STEP] REASON", summary: "leave a step undone, with the reason (recorded for the postmortem)",
                    details: """
                        The first word names a step only when it is a step not yet done; otherwise the whole line is the reason for
                        skipping the current step. --step STEP names it explicitly.
                        Example: skip rule-out-network the network team confirmed no packet loss
                        """,
                    group: .playbook, options: ["--step"], changes: { _ in true }, dependsOn: { _ in .step },
                    complete: { session, words in words.isEmpty ? session.openStepIDs : [] }, decide: { context, arguments in
            let progress = try context.requireProgress()
            let step = try context.leadingStep(&arguments, usage: "skip [STEP | --step STEP] REASON")
            let reason = arguments.rest
            guard !reason.isEmpty else { throw CommandError.usage("skip [STEP] REASON", "missing REASON") }
            return try context.apply(progress.skip(step: step, reason: reason, at: context.now))
        }),
        CommandSpec("goto", usage: "goto STEP|PHASE [REASON]", summary: "jump to a step or a phase (recorded with the reason)",
                    details: "Example: goto rollback the distribution already points at the weights", group: .playbook, changes: { _ in true },
                    dependsOn: { _ in .stepAtPrompt },
                    complete: { session, words in words.isEmpty ? (session.playbook?.stepIDs ?? []) + (session.playbook?.phaseNames ?? []) : [] }, decide: { context, arguments in
            let progress = try context.requireProgress()
            let target = try arguments.require("STEP|PHASE", usage: "goto STEP|PHASE [REASON]")
            let reason = arguments.rest
            return try context.apply(progress.goto(target, reason: reason.isEmpty ? nil : reason, at: context.now))
        }),
        CommandSpec("run", usage: "run [STEP] [--yes]",
                    summary: "run the step's suggested commands one by one, each recorded (those that change anything only once you confirm)",
                    details: "Read-only suggestions (probes, lb show/history/diff, status) run at once. A suggestion that changes something — an lb change, mark, severity, escalate, advance, a step command, a '!' command — is shown and runs only when you confirm it; from a piped script only with --yes, which is recorded ('!' ones also need 'warroom start --allow-shell').\nExample: run · run rollback · run --yes",
                    group: .playbook, options: ["--yes"], actsOutside: true, locksRoom: false, runnable: false,
                    complete: { session, words in words.isEmpty ? session.playbook?.stepIDs ?? [] : [] }
        ) { session, arguments in
            let yes = arguments.flag("--yes")
            let step = arguments.first()
            try arguments.expectEnd(usage: "run [STEP] [--yes]")
            return try session.runSuggestions(step: step, yes: yes)
        },
    ]
}

/// What `done` says of a step whose `run` left a change undone (not confirmed) that nobody
/// typed since: the step is done as the responder says, and the record shows what was not made.
private func leftUndone(_ step: String?, in context: any CommandContext) -> String {
    guard let step, let undone = context.state.leftUndone[step], !undone.isEmpty else { return "" }
    return "\nnote: 'run' left \(undone.map { "'\($0)'" }.joined(separator: ", ")) undone on \(step) (not confirmed), and nobody typed it since: the step is recorded done as you said, without it"
}

extension Session {
    /// `run [STEP] [--yes]`: each suggested command runs as if typed, and is recorded with its
    /// own input. One that changes something runs only once the responder confirms it (on a
    /// terminal) or with `--yes` (from a script).
    public func runSuggestions(step: String?, yes: Bool) throws -> String {
        let run = try requireProgress().run(step: step)
        var entries = run.entries
        if yes, !entries.isEmpty { entries[0].data["yes"] = true }
        try record(entries)
        var output = [run.message]
        var leftUndone: [String] = []
        defer {
            // What `run` did not make is on the record, so that `done` on the step says so.
            if !leftUndone.isEmpty, let stepID = run.entries.first?.data["step"]?.stringValue ?? state.step {
                _ = try? record(.command, text: "run left undone: " + leftUndone.joined(separator: "; "),
                                data: ["command": "run", "effect": "none", "step": .string(stepID), "left_undone": .array(leftUndone.map(JSONValue.string))])
            }
        }
        for command in run.commands {
            output.append("» \(command.text)")
            let words = command.text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let name = command.isShell ? "!" : words.first?.lowercased() ?? ""
            let spec = commands.lookup(name)
            if spec?.runnable == false {
                output.append("  (not run from 'run': type it yourself)")
                continue
            }
            if command.isShell || spec?.changes(Array(words.dropFirst())) == true {
                // A load balancer change is shown first: the versions so far and what it would do.
                var shown = ""
                if name == "lb" {
                    let looked = [execute("lb history"), execute(command.text + " --dry-run")]
                    shown = looked.map { $0.error.map { "error: \($0)" } ?? $0.output }.joined(separator: "\n")
                }
                let allowed: Bool
                if interactive, let confirm {
                    // Asked before anything is printed: what it would do goes with the question.
                    allowed = confirm(command.isShell ? "Run '\(command.shellCommand ?? command.text)' in the system shell?"
                        : (shown.isEmpty ? "" : shown + "\n") + "'\(command.text)' changes \(Session.whatChanges(name)). Run it?")
                } else {
                    if !shown.isEmpty { output.append(shown) }
                    allowed = yes && (!command.isShell || allowShell)
                }
                guard allowed else {
                    leftUndone.append(command.text)
                    if interactive {
                        output.append("  (not run)")
                    } else if command.isShell, yes {
                        output.append("  (not run: '!' commands from a piped script need 'warroom start --allow-shell')")
                    } else {
                        output.append("  (not run: it changes \(Session.whatChanges(name)); confirm it on a terminal, or use 'run --yes' from a script)")
                    }
                    continue
                }
            }
            let reply = execute(command.text)
            output.append(contentsOf: reply.notices.map(\.text))
            if !reply.output.isEmpty { output.append(reply.output) }
            if let error = reply.error { output.append("error: \(error)") }
        }
        return output.joined(separator: "\n")
    }

    /// What a command that changes something changes, for `run`'s question.
    static func whatChanges(_ name: String) -> String {
        switch name {
        case "lb": return "the load balancer"
        case "!": return "the system"
        case "mark": return "a milestone"
        case "severity": return "the severity"
        case "escalate": return "who is engaged"
        case "advance": return "the incident clock"
        default: return "where the incident is in the playbook"
        }
    }

}
