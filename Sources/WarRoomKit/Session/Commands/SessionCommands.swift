/// Commands that drive the session: the clock, the system shell, pausing and closing.
enum SessionCommands {
    static let all: [CommandSpec] = [
        CommandSpec("advance", usage: "advance DURATION", summary: "move a virtual clock forward (90s, 5m, 2h); timers on the way fire at their times",
                    details: "Alerts, scenario events and timers that fall due on the way are recorded at their own times; a reminder repeated many times is shown once, with its count.\nExample: advance 15m",
                    group: .session, changes: { _ in true }, actsOutside: true, complete: { _, words in words.isEmpty ? ["30s", "1m", "5m", "15m", "1h"] : [] }
        ) { session, arguments in
            let usage = "advance DURATION"
            let text = try arguments.require("DURATION", usage: usage)
            try arguments.expectEnd(usage: usage)
            if text.hasPrefix("-") { throw CommandError.usage(usage, "time only moves forward; '\(text)' is negative") }
            guard let ms = DurationText.wholeMilliseconds(text) else {
                throw CommandError.usage(usage, "'\(text)' is not a duration (use 90s, 5m, 2h or 1h30m)")
            }
            guard ms <= 7 * 86_400_000 else { throw CommandError.invalid("advance at most 7d at a time, not \(text)") }
            return try session.advanceClock(by: ms, saying: text)
        },
        CommandSpec("at", usage: "at TIME", summary: "move a virtual clock forward to TIME: write up what happened, in order, at its own time",
                    details: """
                        For an incident written up after the fact ('warroom start --from TIME'): each entry typed after 'at TIME'
                        carries that time. TIME is HH:MM[:SS]Z (00:10Z after 23:50Z is past midnight; a time more than 12 hours ahead that way
                        is earlier today, and refused), or an ISO-8601 instant. The clock only moves forward; to record something earlier than the
                        clock, give the command --at TIME.
                        Example: at 13:45Z · at 2019-07-02T14:07:00Z
                        """,
                    group: .session, changes: { _ in true }, actsOutside: true
        ) { session, arguments in
            let usage = "at TIME"
            let text = try arguments.require("TIME", usage: usage)
            try arguments.expectEnd(usage: usage)
            guard session.clock.mode == .virtual else {
                throw CommandError.invalid("'at' moves a virtual clock; this incident runs on the wall clock (write one up after the fact with 'warroom start --from TIME')")
            }
            let now = session.clock.now
            guard var time = TimeExpression.resolve(text, now: now, earliest: session.state.openedAt) else {
                throw CommandError.usage(usage, "'\(text)' is not a time (HH:MM[:SS]Z or an ISO-8601 instant such as 2019-07-02T13:45:00Z)")
            }
            // A clock time just past midnight means the next day (00:10Z typed at 23:50Z); one
            // more than 12 hours ahead that way is a time earlier today, and refused below.
            if time < now, text.count < 10, let next = Bounds.adding(86_400_000, to: time), next - now <= 12 * 3_600_000 { time = next }
            if time == now { return "the clock is at \(session.stampSeconds(now)) already" }
            guard time > now else {
                throw CommandError.invalid("\(time.iso8601Seconds) is before the incident clock (\(now.iso8601Seconds)), and the clock only moves forward: type what happened in order, or record an earlier entry with --at TIME")
            }
            guard time - now <= 7 * 86_400_000 else { throw CommandError.invalid("'at' moves at most 7d at a time; \(time.iso8601Seconds) is further") }
            return try session.advanceClock(by: time - now, saying: DurationText.format(milliseconds: time - now)) + TimeExpression.zoneNote(text)
        },
        CommandSpec("!", usage: "!COMMAND", summary: "run a system shell command (output captured and recorded, with a timeout)",
                    details: "The output is recorded in the transcript (kept up to 64 KiB; the command is stopped after 30 s). From a piped script, only with 'warroom start --allow-shell'.\nExample: !dig +short db.internal",
                    group: .session, changes: { _ in true }, actsOutside: true
        ) { session, arguments in
            let command = arguments.raw.trimmed(of: " \t")
            guard !command.isEmpty else { throw CommandError.usage("!COMMAND", "missing COMMAND") }
            return try session.runShell(command)
        },
        CommandSpec("quit", aliases: ["exit"], usage: "quit", summary: "pause the incident and leave (resume later with 'warroom resume'); in a shared room, leave it",
                    details: "In a shared room (a store) the incident is never paused by one shell: quit records that you left, the others go on, and you come back with 'warroom join ID'. Only 'close' ends it.\nExample: quit", group: .session, runnable: false
        ) { session, arguments in
            try arguments.expectEnd(usage: "quit")
            // The notifications under way end first, and what they came to goes on the record
            // before the pause (or the leave); the rest is sent again by another shell.
            session.settleDeliveries(waiting: Session.leaveDeliveryWait)
            session.stageCollectedDeliveries()
            session.then(.endSession)
            if session.isRoom, let shell = session.shell {
                try session.record(.leave, text: "\(session.responder) left", data: ["responder": .string(session.responder), "shell": .int(shell), "reason": "quit"])
                session.then(.leaveRoom(shell: shell))
                return "Left the room; \(session.state.id) stays open for the others. Come back with: warroom join \(session.state.id)"
            }
            try session.record(.pause, text: "Paused by \(session.responder)", data: ["reason": "quit"])
            return "Paused. Resume with: warroom resume \(session.path)"
        },
        CommandSpec("who", usage: "who", summary: "who is in the room now: names, roles, since when, how many shells",
                    details: "In a shared room, the shells that joined and have not left, as far as the store still sees them connected: a shell that was killed stops counting within 30 seconds. JOINED is on the incident clock, HERE FOR in real time.\nExample: who",
                    group: .session, readOnly: true
        ) { session, arguments in
            try arguments.expectEnd(usage: "who")
            return try session.who()
        },
        CommandSpec("close", usage: "close [SUMMARY]", summary: "end the incident and write its postmortem next to the transcript",
                    details: "Example: close resolved: corrected weights applied, errors at baseline for an hour", group: .session, changes: { _ in true }, runnable: false
        ) { session, arguments in
            let summary = arguments.rest
            // Prometheus's error rate and traffic over the whole incident, kept in the record so
            // that the postmortem draws its chart and impact figure from it, from the record alone.
            if let range = session.incidentRange() { try session.record(.probe, text: range.text, data: range.data) }
            try session.record(.close, text: summary.isEmpty ? "Closed" : summary, data: ["summary": summary.isEmpty ? .null : .string(summary)])
            // The postmortem is compiled from the transcript once the close is in it.
            session.then(.writePostmortem)
            session.then(.endSession)
            return "Closed \(session.state.id)."
        },
    ]
}

extension Session {
    /// Moves a virtual clock forward by `ms` (`advance`, `at`) and records it, with what fell
    /// due on the way at its own time.
    /// - Returns: `03:45:00Z → 03:50:00Z`.
    public func advanceClock(by ms: Int64, saying text: String) throws -> String {
        let from = clock.now
        if target is SimulatedTarget, from + ms - state.openedAt > instruments.longestDrill {
            throw CommandError.invalid("a drill simulates at most \(SimulatedTarget.spanText(instruments.longestDrill)) of incident time and this one is at +\(DurationText.format(milliseconds: from - state.openedAt)); close it, or start a new drill")
        }
        try clock.advance(by: ms)
        // Stamped with the time it was typed; what falls due on the way is recorded after it.
        try record(.command, text: "Clock advanced \(text) to \(clock.now.clockSeconds)",
                   data: ["command": "advance", "milliseconds": .number(Double(ms)), "to": .string(clock.now.iso8601)], at: from)
        try catchUp()
        return "\(stampSeconds(from)) → \(stampSeconds(clock.now))"
    }

    /// `who`: the room's responders now, as a table.
    public func who() throws -> String {
        guard room != nil else {
            let roles = state.roles(of: responder)
            return "Only this shell works this incident: \(responder)\(roles.isEmpty ? "" : " (\(roles.joined(separator: ", ")))"); its transcript is a local file, one writer at a time. To work an incident with others, open it in a shared store: warroom start --store URL"
        }
        let (present, gone) = try presence()
        let shells = present.reduce(0) { $0 + $1.shells }
        var rows = [["NAME", "ROLES", "SHELLS", "JOINED", "HERE FOR"]]
        let wall = clock.wallNow
        for person in present {
            let name = person.responder == responder ? "\(person.shown) (you)" : person.shown
            rows.append([name, person.roles.isEmpty ? "-" : person.roles.joined(separator: ", "), String(person.shells), stamp(person.joinedAt),
                         wall - person.joinedWall < 1000 ? "0s" : DurationText.format(milliseconds: (wall - person.joinedWall) / 1000 * 1000)])
        }
        var lines = ["In the room now: \(present.count) responder\(present.count == 1 ? "" : "s") in \(shells) shell\(shells == 1 ? "" : "s") (as the store sees them connected)"]
        lines.append(Display.table(rows, rightAligned: [2]))
        // Two clocks: a drill's incident time and the time people have really been here.
        lines.append("JOINED is on the incident clock; HERE FOR is real time.")
        if !gone.isEmpty { lines.append("Gone without leaving (their shells ended): \(gone.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }

    /// Runs `!COMMAND` and records it as a `shell` entry.
    public func runShell(_ command: String) throws -> String {
        guard interactive || allowShell else {
            throw CommandError.invalid("'!' commands do not run from a piped script unless the incident was started with --allow-shell")
        }
        var outcome: ShellRunner.Outcome
        do {
            outcome = try ShellRunner.run(command, limits: shellLimits)
        } catch {
            throw CommandError.invalid(String(describing: error))
        }
        // A second line of defence after the scrubbed environment: the store's credentials,
        // however the command came by them (a password file, warroom's own arguments), never
        // reach the record every reader reads.
        let secrets = (room?.secrets ?? []).filter { $0.count >= 3 }
        let redact = { (text: String) in secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") } }
        outcome.output = redact(outcome.output)
        var data: JSONObject = ["command": .string(redact(command))]
        data["exit_code"] = outcome.exitCode.map { .int(Int($0)) } ?? .null
        data["timed_out"] = .bool(outcome.timedOut)
        data["truncated"] = .bool(outcome.truncated)
        data["timeout_s"] = .number(shellLimits.timeoutSeconds)
        data["output_bytes"] = .int(outcome.outputBytes)
        try record(.shell, text: outcome.output, data: data)
        var text = outcome.output
        if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
        if outcome.truncated { text += "[output truncated: \(outcome.outputBytes) bytes, \(shellLimits.outputCapBytes) kept]\n" }
        if outcome.timedOut { text += "[stopped after \(String(format3: shellLimits.timeoutSeconds)) s]\n" }
        else if let code = outcome.exitCode, code != 0 { text += "[exit \(code)]\n" }
        return String(text.dropLast(text.hasSuffix("\n") ? 1 : 0))
    }
}
