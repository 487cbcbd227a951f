/// A team drill's facilitator's commands (`warroom drill host`, docs/DRILLS.md): what only
/// the facilitator sees (`truth`), says to themselves (`whisper`) or to one responder (`hint`),
/// and the twists delivered to the whole room (`inject`). Anyone else is refused.
enum FacilitatorCommands {
    static let all: [CommandSpec] = [
        CommandSpec("truth", usage: "truth", summary: "the drill's truth: the cause, the events and their times, par, each server as the simulation has it (facilitator only)",
                    details: "What the scenario knows and the responders do not: its description, when it breaks and what happens when, the plan (par, misleading paths, the fix, the injects), and each server's real state now. Recorded as a line that changed nothing; its output is never recorded.\nExample: truth",
                    group: .facilitator, readOnly: true
        ) { session, arguments in
            try arguments.expectEnd(usage: "truth")
            try session.requireFacilitator("truth")
            return try session.truth()
        },
        CommandSpec("clock", usage: "clock pause|resume|speed X", summary: "pause, resume or set the speed of the drill's clock for the whole room (facilitator only)",
                    details: "The room's clock stops (pause), runs again at its last speed (resume), or runs at X simulated seconds per real second, 0…1000000, in every shell. 'advance' still moves a paused clock.\nExample: clock speed 60",
                    group: .facilitator, changes: { _ in true }, actsOutside: true,
                    complete: { _, words in words.isEmpty ? ["pause", "resume", "speed"] : [] }
        ) { session, arguments in
            try session.requireFacilitator("clock")
            let usage = "clock pause|resume|speed X"
            let what = try arguments.require("pause|resume|speed", usage: usage)
            let speed: Double
            switch what {
            case "pause":
                speed = 0
            case "resume":
                guard let running = session.state.runningSpeed ?? (session.clock.speed > 0 ? session.clock.speed : nil)
                        ?? session.state.openData["clock"]?["speed"]?.doubleValue.flatMap({ $0 > 0 ? $0 : nil }) else {
                    throw CommandError.invalid("the clock has never run on its own; give it a speed: clock speed X")
                }
                speed = running
            case "speed":
                let text = try arguments.require("X", usage: usage)
                guard let value = Double(text), Bounds.speed.contains(value) else {
                    throw CommandError.usage(usage, "the speed is simulated seconds per real second, \(Bounds.speed.range), not '\(text)'")
                }
                speed = value
            default:
                throw CommandError.usage(usage, "'\(what)' is not pause, resume or speed")
            }
            try arguments.expectEnd(usage: usage)
            guard session.clock.mode == .virtual else { throw CommandError.invalid("the drill runs on the wall clock; its speed is real time") }
            let now = session.clock.now
            session.clock.setSpeed(speed)
            let text = speed == 0 ? "Clock paused at \(now.clockSeconds)" : "Clock runs at ×\(speed == speed.rounded() ? String(Int(speed)) : String(speed)) from \(now.clockSeconds)"
            try session.record(.command, text: text, data: ["command": "clock", "speed": .number(speed), "to": .string(now.iso8601)])
            return text
        },
        CommandSpec("whisper", usage: "whisper TEXT", summary: "a note only the facilitator sees (facilitator only)",
                    details: "Recorded as a private entry: never shown to a responder, in 'watch', 'timeline', an export or the postmortem unless asked for with --facilitator.\nExample: whisper team is on the database path; give them five more minutes",
                    group: .facilitator, changes: { _ in true }
        ) { session, arguments in
            try session.requireFacilitator("whisper")
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage("whisper TEXT", "missing TEXT") }
            let entry = try session.record(.facilitatorOnly, text: text, data: ["private": "whisper"])
            return "whispered (#\(entry.seq)); no responder sees it"
        },
        CommandSpec("hint", usage: "hint NAME TEXT", summary: "a hint shown to one responder only (facilitator only)",
                    details: "Shown above NAME's prompt and recorded as a private entry only the facilitator and NAME can see.\nExample: hint omar compare the servers' shares of the traffic",
                    group: .facilitator, changes: { _ in true },
                    complete: { session, words in words.isEmpty ? Array(Set(session.state.shells.values.map(\.responder))).sorted() : [] }
        ) { session, arguments in
            try session.requireFacilitator("hint")
            let usage = "hint NAME TEXT"
            let name = try arguments.require("NAME", usage: usage)
            let text = arguments.rest
            guard !text.isEmpty else { throw CommandError.usage(usage, "missing TEXT") }
            let entry = try session.record(.facilitatorOnly, text: text, data: ["private": "hint", "to": .string(name)])
            let here = session.state.shells.values.contains { $0.responder == name }
            return "hint for \(name) (#\(entry.seq))" + (here ? "" : "; \(name) is not in the room now and sees it on joining")
        },
        CommandSpec("inject", usage: "inject NAME | inject alert NAME [SUMMARY] | inject traffic ×F [for D] | inject db latency Nms [for D] | inject weight SERVER N | inject TEXT", summary: "deliver a twist to the whole room: one from the scenario's library, an alert, a change to the simulated world, or your own words (facilitator only)",
                    details: "A library inject, an alert or your own words is shown in every shell at once; the debrief times the first reaction. 'inject' alone lists the scenario's library. 'inject alert NAME' fires an alert as monitoring would (recorded by monitoring, marked source: inject).\nA change to the simulated world is silent: the team meets its effects in the probes, and the line recording it is private. \(SimulationInject.usage): traffic becomes F times what the scenario sends, or the database or network figure takes the value, from now for D (for the rest of the drill without 'for'); of two injects of one figure in force the later counts, and when it ends the scenario's own figures return. Every shell's simulation makes it at its time, and resume, replay and the postmortem make it again.\nA change to the load balancer (weight, drain, disable, enable, algorithm, ratelimit) is made as 'lb' makes it, by you, and shows in 'lb history'.\nExample: inject customer-tweets\nExample: inject alert DiskAlmostFull db-2 disk 93% full\nExample: inject traffic ×2 for 10m\nExample: inject db latency 200ms for 15m\nExample: inject weight msg-03 5\nExample: inject The status page provider asks whether to post an outage",
                    // Like `lb`: a change to the simulation is made as it is decided, under the room's
                    // lock, and recorded as decided (not decided again) when another shell's entry came first.
                    group: .facilitator, changes: { words in !words.isEmpty }, actsOutside: true, locksRoom: true,
                    complete: { session, words in words.isEmpty ? (session.scenario?.drill?.injects.map(\.name) ?? []) : [] }
        ) { session, arguments in
            try session.requireFacilitator("inject")
            let library = session.scenario?.drill?.injects ?? []
            let text = arguments.rest
            guard !text.isEmpty else {
                guard !library.isEmpty else { return "the scenario has no inject library; 'inject TEXT' delivers your own words" }
                let delivered = Set(session.state.injectsDelivered)
                return library.map { "\($0.name)\(delivered.contains($0.name) ? " (delivered)" : ""): \($0.text)" }.joined(separator: "\n")
            }
            let words = text.split(separator: " ")
            if words.first == "alert" {
                // An alert the team's monitoring did not really raise: it fires like one, by monitoring.
                guard words.count >= 2 else { throw CommandError.usage("inject alert NAME [SUMMARY]", "missing NAME") }
                let name = String(words[1])
                let summary = words.dropFirst(2).joined(separator: " ")
                let now = session.clock.now
                var data: JSONObject = ["alert": .string(name), "state": "firing", "since": .string(now.iso8601), "metric": "", "source": "inject",
                                        "key": .string("inject:\(name):\(now.iso8601)")]
                if !summary.isEmpty { data["summary"] = .string(summary) }
                let entry = try session.record(.alert, text: "Alert \(name) firing" + (summary.isEmpty ? "" : " — \(summary)"), data: data, by: AlertMonitor.author)
                return "injected alert \(name) (#\(entry.seq)); the room sees it fire, by monitoring"
            }
            if SimulationInject.claims(words.map(String.init)) {
                return try session.injectIntoSimulation(SimulationInject.parse(words.map(String.init)))
            }
            if session.isLoadBalancerChange(words.map(String.init)) {
                // A change to the load balancer, as someone outside the team would make it: an `lb` change of the room's one simulation.
                return try session.runLB(words.map(String.init))
            }
            if words.count == 1, let inject = library.first(where: { $0.name == text }) {
                let entry = try session.record(.inject, text: inject.text, data: ["inject": .string(inject.name)])
                return "injected \(inject.name) (#\(entry.seq)): \(inject.text)"
            }
            if words.count == 1, text.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }), text.contains("-") {
                throw CommandError.invalid("no inject '\(text)' in the scenario's library\(Suggest.hint(for: text, in: library.map(\.name))); 'inject' lists them, 'inject TEXT' delivers your own words")
            }
            let entry = try session.record(.inject, text: text, data: [:])
            return "injected (#\(entry.seq)): \(text)"
        },
    ]
}

extension Session {
    /// Records a facilitator's inject into the simulated world, privately, and makes it in this
    /// shell's simulation at the entry's time (every other shell makes it as it reads the entry).
    func injectIntoSimulation(_ inject: SimulationInject) throws -> String {
        guard let console = try? loadBalancerConsole(), let simulation = console.target as? SimulatedTarget else {
            throw CommandError.invalid("an inject into the simulation needs the drill's simulated load balancer, and this drill has none")
        }
        let entry = try record(.facilitatorOnly, text: inject.summary, data: ["private": "inject", "simulate": inject.recorded])
        simulation.apply(inject, at: entry.at)
        let until = simulation.model.end(of: inject, at: entry.at).map { ", until \($0.clockSeconds)" } ?? ""
        return "injected silently (#\(entry.seq)): \(inject.summary)\(until); the team sees its effects, not this line"
    }

    /// Whether the words after `inject` are a load balancer change (`weight msg-03 5`), as
    /// opposed to words for the team (`enable the status page banner`): the subcommand, then a
    /// server the load balancer has, an algorithm, a rate limit or a version.
    func isLoadBalancerChange(_ words: [String]) -> Bool {
        guard words.count >= 2, let first = words.first?.lowercased(), LoadBalancerConsole.changeSubcommands.contains(first) else { return false }
        let second = words[1]
        switch first {
        case "algorithm": return BalanceAlgorithm(rawValue: second) != nil
        case "ratelimit": return second == "off" || Double(second) != nil
        case "rollback": return words.count == 2 && (second == "initial" || Int(second) != nil)
        default:
            // A range (`msg-01…msg-27`, `msg-01..msg-27`) names its first server first.
            let name = second.components(separatedBy: "…").first?.components(separatedBy: "..").first ?? second
            return (console?.backendNames ?? []).contains(name)
        }
    }

    /// Whether this shell types as the drill's facilitator.
    public var isFacilitator: Bool {
        guard let facilitator = state.facilitator else { return false }
        return facilitator == responder
    }

    func requireFacilitator(_ command: String) throws {
        guard state.isDrill else { throw CommandError.invalid("'\(command)' is a drill facilitator's command, and this is not a drill") }
        guard let facilitator = state.facilitator else {
            throw CommandError.invalid("'\(command)' is for a team drill's facilitator: open one with 'warroom drill host SCENARIO'")
        }
        guard facilitator == responder else { throw CommandError.invalid("only the drill's facilitator (\(facilitator)) can use '\(command)'") }
    }

    /// What the facilitator sees and no responder does.
    func truth() throws -> String {
        guard let scenario else { return "this drill's scenario is not loaded" }
        let now = clock.now
        var lines = ["Scenario \(scenario.id): \(scenario.title)"]
        if let description = scenario.description { lines.append("  " + Display.firstLine(description, limit: 400)) }
        if let plan = scenario.drill {
            let trigger = scenario.start + plan.trigger
            let par = [("detect", plan.par.detect), ("mitigate", plan.par.mitigate), ("resolve", plan.par.resolve)].compactMap { name, ms in
                ms.map { "\(name) by \((trigger + $0).clockMinutes)" }
            }
            lines.append("Trigger \(trigger.clockMinutes)" + (par.isEmpty ? "" : "; par: " + par.joined(separator: ", ")))
            for path in plan.misleading { lines.append("  misleading: \(path.name), ruled out by \(path.ruledOutBy)" + (path.why.map { " (\($0))" } ?? "")) }
            if let confirm = plan.confirm { lines.append("  confirms the cause: \(confirm)") }
            if !plan.fix.isEmpty { lines.append("  fix: " + plan.fix.joined(separator: ", ")) }
        }
        lines.append("Events:")
        for event in scenario.events {
            let at = scenario.start + event.offset
            lines.append("  \(at.clockMinutes) \(at <= now ? "happened" : "to come")  \(event.by): \(event.note ?? "a change")")
        }
        if let simulation = target as? SimulatedTarget {
            simulation.advance(to: now)
            for (inject, endsAt) in simulation.model.injectsInForce {
                lines.append("  inject in force: \(inject.summary)" + (endsAt.map { ", ends \($0.clockSeconds)" } ?? ""))
            }
        }
        if let target {
            let snapshot = try target.snapshot(at: now)
            lines.append("Servers now (\(now.clockSeconds)), as the simulation has them:")
            var rows = [["SERVER", "STATUS", "WEIGHT", "SESSIONS", "QUEUE", "REQ/S"]]
            for server in snapshot.servers {
                rows.append([server.name, server.status, "\(server.weight)", "\(server.scur)", "\(server.qcur)", "\(Int(server.rate.rounded()))"])
            }
            lines.append(Display.table(rows))
        }
        return lines.joined(separator: "\n")
    }
}
