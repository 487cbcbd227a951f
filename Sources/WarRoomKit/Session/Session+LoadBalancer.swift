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
        if let haproxy = target as? HAProxyTarget {
            if haproxy.connectionProblem != nil, let problem = haproxy.reconnect() { throw problem }
            haproxy.startSampling(source: clock.source)
        }
        let entries = target is SimulatedTarget ? nil : try? store.entries(after: 0)
        let console = try makeConsole(over: target, entries: entries)
        instruments.console = console
        if !(target is SimulatedTarget) {
            if !(entries ?? []).contains(where: { $0.kind == .lb }) {
                // Version 1 as read, so that `resume` can tell a change made while paused.
                let first = console.versions[0]
                var data: JSONObject = ["action": "baseline", "version": 1, "by": .string(first.by), "source": "target", "changed": false,
                                        "target": .string(target.label), "configuration": first.configuration.recorded]
                var text = "configuration version 1, read from \(target.label) at \(first.at.clockSeconds): \(first.configuration.servers.count) servers (lb show lists them)"
                let drift = (target as? HAProxyTarget)?.differencesFromTheFile() ?? []
                if !drift.isEmpty {
                    // Said at once and kept with the baseline: who changed it, and when, is a question for the incident.
                    let said = "live settings differ from HAProxy's configuration file: " + drift.map(\.text).joined(separator: "; ")
                    data["differs_from_file"] = .array(drift.map { .string($0.text) })
                    text += "\n" + said
                    instruments.setupNotices.append("At open, " + said + ". Was it changed by hand before the incident? 'lb show' to look.")
                }
                try record(.lb, text: text, data: data, at: first.at, by: first.by)
            }
            try recordTargetChanges(of: console)
        }
        return console
    }

    /// Records the changes the console found made outside warroom (each at the time it was
    /// seen, by the load balancer) before anything that follows them.
    /// - Returns: a notice line for each.
    @discardableResult
    func recordTargetChanges(of console: LoadBalancerConsole) throws -> [String] {
        var notices: [String] = []
        for change in console.takeTargetChanges() {
            try record(.lb, text: change.text, data: change.data, at: change.at, by: change.by)
            let notice = "\(stamp(change.at)) \(Display.firstLine(change.text))"
            line.notices.append(Notice(.change, notice))
            notices.append(notice)
        }
        return notices
    }

    /// A console over `target`. A real load balancer cannot be re-run from the transcript like
    /// the simulation, so its earlier configuration versions are read back from the `lb`
    /// entries (`entries`), the numbering goes on where the incident left it, and the live
    /// configuration is compared with the last of them.
    private func makeConsole(over target: any LoadBalancerTarget, entries: [TranscriptEntry]?) throws -> LoadBalancerConsole {
        let console = try LoadBalancerConsole(target: target, at: clock.now, by: target is SimulatedTarget ? "scenario" : target.label)
        if target is SimulatedTarget {
            _ = console.takeTargetChanges()
            return console
        }
        if let entries, restoreVersions(of: console, from: entries) {
            try console.sync(at: clock.now)
        }
        return console
    }

    /// Puts back the versions recorded in `entries`: version 1 from the `baseline` entry (or,
    /// in transcripts from before it, the first change's configuration before it), then each
    /// change's configuration after it.
    /// - Returns: whether there were versions to put back.
    private func restoreVersions(of console: LoadBalancerConsole, from entries: [TranscriptEntry]) -> Bool {
        let lbEntries = entries.filter { $0.kind == .lb }
        let baseline = lbEntries.first { $0.data["action"]?.stringValue == "baseline" }
        let changes = lbEntries.filter { $0.data["changed"]?.boolValue == true }
        let initialRecord = baseline?.data["configuration"] ?? (changes.first?.data["from_version"]?.intValue == 1 ? changes.first?.data["from_configuration"] : nil)
        guard let initial = initialRecord.flatMap(LoadBalancerConfiguration.init(recorded:)) else { return false }
        var versions = [ConfigurationVersion(number: 1, at: baseline?.at ?? state.openedAt, by: baseline?.by ?? console.target.label,
                                             note: "configuration at the start", changes: [], configuration: initial)]
        for entry in changes {
            // A transcript written before configurations were kept cannot be restored past here.
            guard let version = ConfigurationVersion(recorded: entry), version.number == versions.count + 1 else { break }
            versions.append(version)
        }
        console.versions = versions
        // Seen unchanged until the incident was paused: a difference now was made since.
        console.lastConfirmedAt = state.lastAt
        return true
    }

    /// Scenario events that happened by `now`, as `lb` entries to record at their own times;
    /// for a real load balancer, a change made outside warroom, found now. A real load balancer
    /// that cannot be read while nobody types is left alone: the next command that needs it says so.
    func targetEvents(through now: Instant) throws -> [LBResult] {
        guard let console else { return [] }
        do {
            try console.sync(at: now)
        } catch {
            if console.target is SimulatedTarget { throw error }
        }
        return console.takeTargetChanges()
    }

    /// Monitoring's rules evaluated up to `now` (a drill only), as alerts to record.
    func alertTransitions(through now: Instant) throws -> [AlertMonitor.Transition] {
        guard let monitor = instruments.monitor, let console, console.target is SimulatedTarget else { return [] }
        return try monitor.evaluate(through: now) { rule, at in try console.metricValue(rule, at: at) }
    }

    /// `probe KIND [ARGS]`
    public func runProbe(_ words: [String]) throws -> String {
        guard let kind = words.first else {
            throw CommandError.usage("probe KIND [ARGS]", "missing KIND (one of \(ProbeKind.names.joined(separator: ", ")))")
        }
        if let metrics = instruments.metrics, let probeKind = ProbeKind(rawValue: kind.lowercased()), PrometheusProbes.kinds.contains(probeKind) {
            // Read from Prometheus: a probe it cannot answer is recorded as such, and is not a failure.
            let result = try metrics.probe(probeKind, args: Array(words.dropFirst()), at: clock.now)
            try record(.probe, text: result.text, data: result.data)
            return result.text
        }
        if instruments.metrics != nil, target == nil {
            throw CommandError.invalid("probe \(kind) reads the load balancer itself, and this incident has none (only --metrics); start it with --target haproxy:ADDRESS too")
        }
        let console = try loadBalancerConsole()
        let result = try console.probe(kind: kind.lowercased(), args: Array(words.dropFirst()), at: clock.now)
        try recordTargetChanges(of: console)
        // A probe the target cannot answer is recorded as such and is not a failure.
        try record(.probe, text: result.text, data: result.data)
        return result.text
    }

    /// `lb SUBCOMMAND`
    public func runLB(_ words: [String]) throws -> String {
        let console = try loadBalancerConsole()
        let result = try console.lb(arguments: words, by: responder, at: clock.now)
        try recordTargetChanges(of: console)
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
            if let failure = result.failure { throw CommandError.invalid(failure) }
        } else {
            try record(.command, data: ["command": "lb", "arguments": .array(words.map(JSONValue.string))])
        }
        return result.text
    }

    /// Whether `rebuildConsole(entries:)` reads entries of `kind`: the load balancer's changes
    /// and a facilitator's private lines (a silent inject is one).
    static func rebuildsConsole(from kind: EntryKind) -> Bool {
        kind == .lb || kind == .facilitatorOnly
    }

    /// Rebuilds the console after `resume`: the simulation re-runs from the scenario's start
    /// with every recorded `lb` change at its time; a real load balancer gets its recorded
    /// versions back, and a change made outside warroom while the incident was paused becomes
    /// a version of its own, recorded now. An unreachable one gets them when it is first reached.
    /// - Returns: notices for the responder (a change found).
    func rebuildConsole(entries: [TranscriptEntry]) throws -> [String] {
        guard let target else { return [] }
        if target is SimulatedTarget {
            // The simulation re-runs with each recorded change at its time, and monitoring
            // evaluates its rules on the way, as it did live, so an alert whose condition was
            // already holding fires when it would have.
            let console = try LoadBalancerConsole(target: target, at: state.openedAt, by: "scenario")
            let monitor = AlertMonitor(rules: scenario?.alerts ?? [], from: state.openedAt)
            for command in RecordedLBCommand.from(entries: entries) {
                _ = try monitor.evaluate(through: command.at) { rule, at in try console.metricValue(rule, at: at) }
                try console.redo(command)
            }
            _ = try monitor.evaluate(through: state.lastAt) { rule, at in try console.metricValue(rule, at: at) }
            monitor.adopt(firing: Set(state.firingAlerts.keys))
            try console.sync(at: state.lastAt)
            _ = console.takeTargetChanges()
            instruments.console = console
            instruments.monitor = monitor
            return []
        }
        guard let haproxy = target as? HAProxyTarget, haproxy.connectionProblem == nil else { return [] }
        haproxy.startSampling(source: clock.source)
        guard let console = try? makeConsole(over: target, entries: entries) else { return [] }
        instruments.console = console
        return try recordTargetChanges(of: console)
    }
}

/// `probe` and `lb` in the command table.
enum LoadBalancerCommands {
    /// Whether `lb WORDS` changes the load balancer (not `show`, `history`, `diff`, nor a `--dry-run`).
    static func changes(_ words: [String]) -> Bool {
        !["show", "history", "diff"].contains(words.first?.lowercased() ?? "show") && !words.contains("--dry-run")
    }

    static let all: [CommandSpec] = [
        CommandSpec(
            "probe", usage: "probe KIND [ARGS]", summary: "a diagnostic probe: health, distribution, latency, errors, traffic, config, backend NAME, db, network",
            details: ProbeKind.allCases.map { "  \(Display.pad($0.rawValue, 12)) \($0.summary)" }.joined(separator: "\n")
                + "\nOptions: --window D (the span every rate covers, 60s by default, up to 30m; up to 31d from Prometheus) · --all (list every server; identical rows are folded by default) · --show-query (from Prometheus: the PromQL of each figure)"
                + "\nWith --metrics prometheus:URL, errors, latency, traffic, health, distribution, db and network read Prometheus (docs/PROMETHEUS.md); config and backend read the load balancer."
                + "\nExample: probe errors · probe errors --window 5m · probe health --all · probe backend msg-28",
            group: .loadBalancer, options: ["--window", "--all", "--show-query"], showsConfiguration: { words in words.first?.lowercased() == "config" },
            complete: { session, words in
                if words.isEmpty { return ProbeKind.names }
                if words.count == 1, words[0] == "backend" { return session.console?.backendNames ?? [] }
                return session.metricsProbes == nil ? ["--window", "--all"] : ["--window", "--all", "--show-query"]
            }
        ) { session, arguments in
            try session.runProbe(arguments.words)
        },
        CommandSpec(
            "lb", usage: "lb SUBCOMMAND",
            summary: "inspect or change the load balancer; every change is a new configuration version",
            details: "Subcommands: show [--window D] [--all] · history · diff [V1 [V2]] [--all] · rollback [VERSION|initial] · weight BACKEND… N (0…256) · drain BACKEND… · disable BACKEND… · enable BACKEND… · algorithm NAME · ratelimit N|off\nA change names one server or several (msg-28 msg-29, or a range msg-01…msg-27, also msg-01..msg-27), made as one version; --dry-run prints what it would change and changes nothing. In a shared room a change is decided against the version you last looked at (lb show, history, diff, probe config, or your own change): when someone else changed the load balancer since, nothing is changed and the shell says who did what, and what yours would now do.\n`lb rollback` returns to the version before the most recent change (consecutive changes by one author count as one); `lb rollback initial` to the configuration the load balancer was started with. Against HAProxy, a change made outside warroom is found whenever warroom reads it and recorded as a version by haproxy.\nExamples: lb history · lb diff 1 2 · lb rollback --dry-run · lb rollback · lb rollback initial · lb weight msg-07 100 · lb weight msg-01…msg-27 100 · lb enable msg-28 msg-29 msg-30 · lb drain msg-28 · lb show --window 5m",
            group: .loadBalancer, options: ["--window", "--all", "--dry-run"], changes: { words in LoadBalancerCommands.changes(words) }, actsOutside: true, locksRoom: true,
            dependsOn: { words in LoadBalancerCommands.changes(words) ? .configuration : nil }, showsConfiguration: { _ in true },
            complete: { session, words in
                if words.isEmpty { return LoadBalancerConsole.subcommands }
                switch (words.count, words[0]) {
                case (_, "weight"), (_, "drain"), (_, "disable"), (_, "enable"): return (session.console?.backendNames ?? []) + ["--dry-run"]
                case (2, "rollback"): return ["--dry-run"]
                case (1, "algorithm"): return BalanceAlgorithm.allCases.map(\.rawValue)
                case (1, "rollback"): return (session.console?.versions.map { String($0.number) } ?? []).reversed() + ["initial"]
                case (1, "diff"), (2, "diff"): return (session.console?.versions.map { String($0.number) } ?? []).reversed()
                default: return []
                }
            }
        ) { session, arguments in
            try session.runLB(arguments.words)
        },
    ]
}
