/// The load balancer behind the session: the simulation of a scenario, a real HAProxy, or none.
public struct TargetSetup {
    /// The label recorded in the `open` entry (`sim:SCENARIO`, `haproxy:ADDRESS`, `none`).
    public var label: String
    public var target: (any LoadBalancerTarget)?
    /// For a drill: the scenario the simulation runs.
    public var scenario: Scenario?

    /// No load balancer: probes and `lb` say how to get one.
    public static var none: TargetSetup { TargetSetup(label: "none", target: nil, scenario: nil) }

    /// The simulation of `scenario`.
    public static func simulation(_ scenario: Scenario) -> TargetSetup {
        let target = SimulatedTarget(scenario: scenario)
        return TargetSetup(label: target.label, target: target, scenario: scenario)
    }

    /// A real HAProxy at `address` (`haproxy:/path.sock`, `haproxy:HOST:PORT[,backend=NAME]`).
    /// The session opens even when it cannot be reached.
    /// - Throws: `HAProxyError.invalidAddress` for a malformed address.
    public static func haproxy(_ address: String) throws -> TargetSetup {
        let target = try HAProxyTarget(address: address)
        return TargetSetup(label: target.label, target: target, scenario: nil)
    }
}

extension Session {
    /// The console over the target; created on first use when the target could not be read at
    /// open (a real load balancer that was down), so responders can keep taking notes.
    /// - Throws: `CommandError.invalid` when there is no target, or what the target throws.
    func loadBalancerConsole() throws -> LoadBalancerConsole {
        if let console { return console }
        guard let target else {
            throw CommandError.invalid("this incident has no load balancer to probe; start one with --scenario ID (a drill) or --target haproxy:ADDRESS")
        }
        if let haproxy = target as? HAProxyTarget, haproxy.connectionProblem != nil {
            if let problem = haproxy.reconnect() { throw problem }
        }
        let console = try LoadBalancerConsole(target: target, at: clock.now, by: target is SimulatedTarget ? "scenario" : target.label)
        _ = console.takeTargetChanges()
        self.console = console
        return console
    }

    /// Scenario events that happened by `now`, as `lb` entries to record at their own times.
    func targetEvents(through now: Instant) throws -> [LBResult] {
        guard let console else { return [] }
        try console.sync(at: now)
        return console.takeTargetChanges()
    }

    /// `probe KIND [ARGS]`
    func runProbe(_ words: [String]) throws -> String {
        guard let kind = words.first else {
            throw CommandError.usage("probe KIND [ARGS]", "missing KIND (one of \(ProbeKind.names.joined(separator: ", ")))")
        }
        let console = try loadBalancerConsole()
        let now = clock.now
        var result = try console.probe(kind: kind.lowercased(), args: Array(words.dropFirst()), at: now)
        if result.kind == .errors, let affected = try? console.target.usersAffected(at: now) {
            result.metrics["users_affected"] = .number((affected * 10_000).rounded() / 10_000)
            result.text += "\nusers affected so far: \(String(format3: affected * 100))%"
        }
        try record(.probe, text: result.text, data: result.data)
        return result.text
    }

    /// `lb SUBCOMMAND`
    func runLB(_ words: [String]) throws -> String {
        let console = try loadBalancerConsole()
        let result = try console.lb(arguments: words, by: state.responder, at: clock.now)
        if result.changed {
            try record(.lb, text: result.text, data: result.data)
        } else {
            try record(.command, data: ["command": "lb", "arguments": .array(words.map(JSONValue.string))])
        }
        return result.text
    }

    /// Rebuilds the console after `resume`: the simulation re-runs from the scenario's start
    /// with every recorded `lb` change at its time; a real load balancer starts a new history
    /// from its live configuration (its earlier changes stay in the transcript).
    func rebuildConsole(entries: [TranscriptEntry]) throws {
        guard let target else { return }
        if target is SimulatedTarget {
            let console = try LoadBalancerConsole.rebuild(target: target, start: state.openedAt, commands: RecordedLBCommand.from(entries: entries), by: "scenario")
            try console.sync(at: state.lastAt)
            _ = console.takeTargetChanges()
            self.console = console
        } else {
            _ = try? loadBalancerConsole()
        }
    }
}

/// `probe` and `lb` in the command table.
enum LoadBalancerCommands {
    static let all: [CommandSpec] = [
        CommandSpec(
            "probe", usage: "probe KIND [ARGS]", summary: "a diagnostic probe: health, distribution, latency, errors, traffic, config, backend NAME, db, network",
            details: ProbeKind.allCases.map { "  \($0.rawValue.padding(12)) \($0.summary)" }.joined(separator: "\n"),
            group: .loadBalancer,
            complete: { session, words in
                if words.isEmpty { return ProbeKind.names }
                if words.count == 1, words[0] == "backend" { return session.console?.backendNames ?? [] }
                return []
            }
        ) { session, arguments in
            try session.runProbe(arguments.words)
        },
        CommandSpec(
            "lb", usage: "lb SUBCOMMAND (show, history, diff [V1 [V2]], rollback [V], weight BACKEND N, drain|disable|enable BACKEND, algorithm NAME)",
            summary: "inspect or change the load balancer; every change is a new configuration version",
            details: "Examples: lb history · lb diff 1 2 · lb rollback · lb weight msg-07 100 · lb drain msg-28 · lb algorithm least-connections",
            group: .loadBalancer,
            complete: { session, words in
                if words.isEmpty { return LoadBalancerConsole.subcommands }
                switch (words.count, words[0]) {
                case (1, "weight"), (1, "drain"), (1, "disable"), (1, "enable"): return session.console?.backendNames ?? []
                case (1, "algorithm"): return BalanceAlgorithm.allCases.map(\.rawValue)
                case (1, "rollback"), (1, "diff"), (2, "diff"): return (session.console?.versions.map { String($0.number) } ?? []).reversed()
                default: return []
                }
            }
        ) { session, arguments in
            try session.runLB(arguments.words)
        },
    ]
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
