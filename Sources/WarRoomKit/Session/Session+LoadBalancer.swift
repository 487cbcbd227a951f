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
        let console = try makeConsole(over: target, entries: nil)
        self.console = console
        if !(target is SimulatedTarget) {
            // A change made outside warroom, found now: recorded before the command that found
            // it, so the versions in the transcript stay in order.
            for change in console.takeTargetChanges() {
                try record(.lb, text: change.text, data: change.data, at: change.at, by: change.by)
                pendingNotices.append(Notice(.change, "\(stamp(change.at)) \(Display.firstLine(change.text)) (by \(change.by))"))
            }
        }
        return console
    }

    /// A console over `target`. A real load balancer cannot be re-run from the transcript like
    /// the simulation, so its earlier configuration versions are read back from the `lb`
    /// entries (`entries`, or the transcript on disk when `nil`), and the numbering goes on
    /// where the incident left it instead of starting again at 1.
    private func makeConsole(over target: any LoadBalancerTarget, entries: [TranscriptEntry]?) throws -> LoadBalancerConsole {
        let console = try LoadBalancerConsole(target: target, at: clock.now, by: target is SimulatedTarget ? "scenario" : target.label)
        if target is SimulatedTarget {
            _ = console.takeTargetChanges()
            return console
        }
        guard let recorded = entries ?? (try? TranscriptLog.read(path: path))?.entries else { return console }
        restoreVersions(of: console, from: recorded, label: target.label)
        return console
    }

    /// Puts back the versions recorded in `entries` (each `lb` change keeps its configuration
    /// before and after), then compares the last one with the live configuration the console
    /// just read: a difference was made outside warroom (another operator, a reload) and
    /// becomes a version of its own, left for the caller to record.
    private func restoreVersions(of console: LoadBalancerConsole, from entries: [TranscriptEntry], label: String) {
        let changes = entries.filter { $0.kind == .lb && $0.data["changed"]?.boolValue == true }
        guard let first = changes.first, first.data["from_version"]?.intValue == 1,
            let initial = first.data["from_configuration"].flatMap(LoadBalancerConfiguration.init(recorded:))
        else { return }
        var versions = [ConfigurationVersion(number: 1, at: state.openedAt, by: label, note: "configuration at the start", changes: [], configuration: initial)]
        for entry in changes {
            let data = entry.data
            // A transcript written before configurations were kept cannot be restored: the console keeps the live reading as version 1.
            guard data["version"]?.intValue == versions.count + 1, let configuration = data["configuration"].flatMap(LoadBalancerConfiguration.init(recorded:)) else { return }
            let note = data["note"]?.stringValue ?? (data["action"]?.stringValue == "rollback" ? data["value"]?.intValue.map { "rollback to version \($0)" } : nil)
            versions.append(ConfigurationVersion(number: versions.count + 1, at: entry.at, by: data["by"]?.stringValue ?? entry.by, note: note,
                                                 changes: data["changes"]?.arrayValue?.compactMap(\.stringValue) ?? [], configuration: configuration))
        }
        let live = console.current
        let last = versions[versions.count - 1]
        console.versions = versions
        let outside = live.configuration.changes(from: last.configuration)
        guard !outside.isEmpty else { return }
        let number = versions.count + 1
        let note = "changed outside warroom since version \(last.number)"
        console.versions.append(ConfigurationVersion(number: number, at: live.at, by: label, note: note, changes: outside, configuration: live.configuration))
        let data: JSONObject = [
            "action": "outside-change", "version": .int(number), "from_version": .int(last.number), "changes": .array(outside.map(JSONValue.string)),
            "by": .string(label), "source": "target", "changed": true, "note": .string(note),
            "configuration": live.configuration.recorded, "from_configuration": last.configuration.recorded,
        ]
        let text = "configuration version \(number) at \(live.at.clockSeconds): \(note)\n" + outside.map { "  \($0)" }.joined(separator: "\n")
        console.pendingTargetChanges.append(LBResult(text: text, data: data, changed: true, at: live.at, by: label))
    }

    /// Scenario events that happened by `now`, as `lb` entries to record at their own times
    /// (for a real load balancer: a change made outside warroom, found at `resume`).
    func targetEvents(through now: Instant) throws -> [LBResult] {
        guard let console else { return [] }
        try console.sync(at: now)
        return console.takeTargetChanges()
    }

    /// Monitoring's rules evaluated up to `now` (a drill only), as alerts to record.
    func alertTransitions(through now: Instant) throws -> [AlertMonitor.Transition] {
        guard let monitor, let console, console.target is SimulatedTarget else { return [] }
        return try monitor.evaluate(through: now) { rule, at in try console.metricValue(rule, at: at) }
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
        let result = try console.lb(arguments: words, by: responder, at: clock.now)
        if result.changed {
            var data = result.data
            if !(console.target is SimulatedTarget) {
                // Kept so that `resume` can restore the versions of a load balancer it cannot re-run.
                data["configuration"] = console.current.configuration.recorded
                if let from = data["from_version"]?.intValue, console.versions.indices.contains(from - 1) {
                    data["from_configuration"] = console.versions[from - 1].configuration.recorded
                }
            }
            try record(.lb, text: result.text, data: data)
        } else {
            try record(.command, data: ["command": "lb", "arguments": .array(words.map(JSONValue.string))])
        }
        return result.text
    }

    /// Rebuilds the console after `resume`: the simulation re-runs from the scenario's start
    /// with every recorded `lb` change at its time; a real load balancer gets its recorded
    /// versions back, plus one for any change made outside warroom while the incident was
    /// paused (recorded when the first command catches up, like a scenario event). An
    /// unreachable one gets them when it is first reached.
    func rebuildConsole(entries: [TranscriptEntry]) throws {
        guard let target else { return }
        if target is SimulatedTarget {
            // The simulation re-runs with each recorded change at its time, and monitoring
            // evaluates its rules on the way, as it did live, so an alert whose condition was
            // already holding fires when it would have.
            let console = try LoadBalancerConsole(target: target, at: state.openedAt, by: "scenario")
            let monitor = AlertMonitor(rules: scenario?.alerts ?? [], from: state.openedAt)
            for command in RecordedLBCommand.from(entries: entries) {
                _ = try monitor.evaluate(through: command.at) { rule, at in try console.metricValue(rule, at: at) }
                _ = try console.lb(arguments: command.arguments, by: command.by, at: command.at)
            }
            _ = try monitor.evaluate(through: state.lastAt) { rule, at in try console.metricValue(rule, at: at) }
            monitor.adopt(firing: Set(state.firingAlerts.keys))
            try console.sync(at: state.lastAt)
            _ = console.takeTargetChanges()
            self.console = console
            self.monitor = monitor
        } else if (target as? HAProxyTarget)?.connectionProblem == nil {
            console = try? makeConsole(over: target, entries: entries)
        }
    }
}

/// `probe` and `lb` in the command table.
enum LoadBalancerCommands {
    static let all: [CommandSpec] = [
        CommandSpec(
            "probe", usage: "probe KIND [ARGS]", summary: "a diagnostic probe: health, distribution, latency, errors, traffic, config, backend NAME, db, network",
            details: ProbeKind.allCases.map { "  \(Display.pad($0.rawValue, 12)) \($0.summary)" }.joined(separator: "\n") + "\nExample: probe errors · probe backend msg-28",
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
            "lb", usage: "lb SUBCOMMAND",
            summary: "inspect or change the load balancer; every change is a new configuration version",
            details: "Subcommands: show · history · diff [V1 [V2]] · rollback [VERSION] · weight BACKEND N (0…256) · drain BACKEND · disable BACKEND · enable BACKEND · algorithm NAME · ratelimit N|off\nExamples: lb history · lb diff 1 2 · lb rollback · lb weight msg-07 100 · lb drain msg-28 · lb algorithm least-connections",
            group: .loadBalancer, changes: { words in !["show", "history", "diff"].contains(words.first?.lowercased() ?? "show") }, actsOutside: true,
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

extension LoadBalancerConfiguration {
    /// As kept in `lb` entries: `{"servers": [{"name", "weight", "state"}]}`, with the
    /// algorithm and rate limit when the target knows them.
    var recorded: JSONValue {
        var object: JSONObject = [:]
        if let algorithm { object["algorithm"] = .string(algorithm.rawValue) }
        if let rateLimit { object["rate_limit"] = .number(rateLimit) }
        object["servers"] = .array(servers.map { ["name": .string($0.name), "weight": .int($0.weight), "state": .string($0.state.rawValue)] })
        return .object(object)
    }

    /// Reads a configuration kept by `recorded`; `nil` when it is not one.
    init?(recorded value: JSONValue) {
        guard let list = value["servers"]?.arrayValue else { return nil }
        var servers: [Server] = []
        for item in list {
            guard let name = item["name"]?.stringValue, let weight = item["weight"]?.intValue,
                let state = item["state"]?.stringValue.flatMap(ServerAdminState.init(rawValue:))
            else { return nil }
            servers.append(Server(name: name, weight: weight, state: state))
        }
        self.init(algorithm: value["algorithm"]?.stringValue.flatMap(BalanceAlgorithm.init(rawValue:)), rateLimit: value["rate_limit"]?.doubleValue, servers: servers)
    }
}
