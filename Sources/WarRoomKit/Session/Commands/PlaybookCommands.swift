/// The guided session: the playbook's steps, moving along them, and running their suggestions.
enum PlaybookCommands {
    static let all: [CommandSpec] = [
        CommandSpec("steps", usage: "steps", summary: "the playbook's steps by phase: done, current, skipped, pending, overdue", group: .playbook, readOnly: true
        ) { session, arguments in
            try arguments.expectEnd(usage: "steps")
            return try session.requireProgress().stepsReport(at: session.clock.now)
        },
        CommandSpec("done", usage: "done [STEP] [NOTE]", summary: "complete the current (or named) step and move on along the playbook's branches",
                    group: .playbook, complete: { session, words in words.isEmpty ? session.playbook?.stepIDs ?? [] : [] }
        ) { session, arguments in
            let progress = try session.requireProgress()
            let step = session.leadingStep(&arguments)
            let note = arguments.rest
            return try session.apply(progress.done(step: step, note: note.isEmpty ? nil : note, at: session.clock.now))
        },
        CommandSpec("next", usage: "next", summary: "complete the current step (same as 'done')", group: .playbook
        ) { session, arguments in
            try arguments.expectEnd(usage: "next")
            return try session.apply(session.requireProgress().next(at: session.clock.now))
        },
        CommandSpec("skip", usage: "skip [STEP] REASON", summary: "leave a step undone, with the reason (recorded for the postmortem)", group: .playbook,
                    complete: { session, words in words.isEmpty ? session.playbook?.stepIDs ?? [] : [] }
        ) { session, arguments in
            let progress = try session.requireProgress()
            let step = session.leadingStep(&arguments)
            let reason = arguments.rest
            guard !reason.isEmpty else { throw CommandError.usage("skip [STEP] REASON", "missing REASON") }
            return try session.apply(progress.skip(step: step, reason: reason, at: session.clock.now))
        },
        CommandSpec("goto", usage: "goto STEP|PHASE [REASON]", summary: "jump to a step or a phase (recorded with the reason)", group: .playbook,
                    complete: { session, words in words.isEmpty ? (session.playbook?.stepIDs ?? []) + (session.playbook?.phaseNames ?? []) : [] }
        ) { session, arguments in
            let progress = try session.requireProgress()
            let target = try arguments.require("STEP|PHASE", usage: "goto STEP|PHASE [REASON]")
            let reason = arguments.rest
            return try session.apply(progress.goto(target, reason: reason.isEmpty ? nil : reason, at: session.clock.now))
        },
        CommandSpec("run", usage: "run [STEP]", summary: "run the step's suggested commands one by one, each recorded ('!' ones only after you confirm)",
                    group: .playbook, complete: { session, words in words.isEmpty ? session.playbook?.stepIDs ?? [] : [] }
        ) { session, arguments in
            let step = arguments.first()
            try arguments.expectEnd(usage: "run [STEP]")
            return try session.runSuggestions(step: step)
        },
    ]
}

extension Session {
    func requireProgress() throws -> PlaybookProgress {
        guard let progress else {
            throw CommandError.invalid("this incident has no playbook; start one with --playbook ID (see 'warroom playbooks list')")
        }
        return progress
    }

    /// Takes the first word when it names a step.
    func leadingStep(_ arguments: inout Arguments) -> String? {
        guard let first = arguments.words.first, playbook?.stepIDs.contains(first) == true else { return nil }
        return arguments.first()
    }

    /// Records what a playbook command produced and returns its message.
    func apply(_ outcome: PlaybookOutcome) throws -> String {
        try record(outcome.entries)
        return outcome.message
    }

    /// `run [STEP]`: each suggested command runs as if typed, and is recorded with its own input.
    func runSuggestions(step: String?) throws -> String {
        let run = try requireProgress().run(step: step)
        try record(.command, text: "Running the suggested commands of \(step ?? progress?.currentStep?.id ?? "the current step")",
                   data: ["command": "run", "step": .optional(step ?? progress?.currentStep?.id)])
        var output: [String] = []
        for command in run.commands {
            output.append("» \(command.text)")
            if let shell = command.shellCommand {
                let allowed: Bool
                if interactive, let confirm {
                    allowed = confirm("Run '\(shell)' in the system shell?")
                } else {
                    allowed = allowShell
                }
                guard allowed else {
                    output.append(interactive ? "  (not run)" : "  (not run: '!' commands from a piped script need 'warroom start --allow-shell')")
                    continue
                }
            }
            let first = command.text.split(separator: " ").first.map { String($0).lowercased() }
            if first == "run" || first == "quit" || first == "exit" || first == "close" {
                output.append("  (not run from 'run': type it yourself)")
                continue
            }
            let reply = execute(command.text)
            output.append(contentsOf: reply.notices)
            if !reply.output.isEmpty { output.append(reply.output) }
            if let error = reply.error { output.append("error: \(error)") }
        }
        return output.joined(separator: "\n")
    }
}
