extension LoadBalancerConsole {
    /// Runs `lb SUBCOMMAND …`: show [--window D] [--all], history, diff [V1 [V2]] [--all],
    /// rollback [VERSION|initial], weight BACKEND N, drain|disable|enable BACKEND,
    /// algorithm NAME, ratelimit N|off.
    ///
    /// The live configuration is read first, so a change made outside warroom is recorded as a
    /// version of its own before the command works on it.
    /// - Parameters:
    ///   - arguments: the words after `lb`.
    ///   - by: the responder.
    ///   - at: the incident clock's time.
    /// - Returns: text and transcript data; `changed` says whether a new version was made, and
    ///   `failure` what went wrong when a change was only partly made.
    /// - Throws: `ConsoleError` for a mistake in the command, `TargetError` when the target refuses.
    public func lb(arguments: [String], by: String, at now: Instant) throws -> LBResult {
        do {
            try sync(at: now)
        } catch where !targetRecordsChanges && arguments.first == "history" && arguments.count == 1 {
            // The versions are on the record: they are told while the load balancer is away,
            // with what cannot be known until it is back.
            var result = history(at: now, by: by)
            result.text = "\(target.label) cannot be read now (\(error)): the versions as recorded; a change made since the last read is not seen until it is back\n" + result.text
            result.data["target_unreachable"] = .string(String(describing: error))
            return result
        }
        guard let sub = arguments.first else { return try show(ProbeOptions([], usage: "lb show"), at: now, by: by) }
        // `--dry-run` on a change: what it would do, nothing done.
        let dryRun = arguments.dropFirst().contains("--dry-run")
        let rest = Array(arguments.dropFirst().filter { $0 != "--dry-run" })
        func expect(_ count: ClosedRange<Int>, _ usage: String) throws {
            guard count.contains(rest.count) else { throw ConsoleError.usage(usage) }
        }
        if dryRun, ["show", "history", "diff"].contains(sub) { throw ConsoleError.usage("lb \(sub) changes nothing; --dry-run goes with a change (rollback, weight, drain, disable, enable, algorithm, ratelimit)") }
        switch sub {
        case "show":
            let usage = "lb show [--window D] [--all]"
            let options = try ProbeOptions(rest, usage: usage)
            guard options.words.isEmpty else { throw ConsoleError.usage(usage) }
            return try show(options, at: now, by: by)
        case "history":
            try expect(0...0, "lb history")
            return history(at: now, by: by)
        case "diff":
            let usage = "lb diff [V1 [V2]] [--all]"
            let options = try ProbeOptions(rest, usage: usage)
            guard options.words.count <= 2 else { throw ConsoleError.usage(usage) }
            return try diff(options, at: now, by: by)
        case "rollback":
            try expect(0...1, "lb rollback [VERSION|initial] [--dry-run]")
            if dryRun {
                let goal = try rollbackGoal(rest.first, at: now)
                return try preview(goal.wanted, what: "lb rollback\(rest.first.map { " \($0)" } ?? ""): \(goal.note)", at: now, by: by)
            }
            return try rollback(rest.first, arguments: arguments, at: now, by: by)
        case "weight":
            let usage = "lb weight BACKEND… N [--dry-run]  (N is 0…256; BACKEND… is one or more names, or a range msg-01…msg-27)"
            guard rest.count >= 2 else { throw ConsoleError.usage(usage) }
            let names = try backends(Array(rest.dropLast()))
            guard let value = Int(rest[rest.count - 1]), ScenarioLoader.weightRange.contains(value) else {
                throw ConsoleError.weightOutOfRange(backend: names[0], value: rest[rest.count - 1])
            }
            return try change(action: "weight", names: names, value: .int(value), arguments: arguments, dryRun: dryRun, at: now, by: by) { server in
                server.weight = value
            } apply: { name in
                try self.target.setWeight(value, server: name, at: now)
            }
        case "drain", "disable", "enable":
            guard !rest.isEmpty else { throw ConsoleError.usage("lb \(sub) BACKEND… [--dry-run]  (one or more names, or a range msg-28…msg-30)") }
            let names = try backends(rest)
            let state: ServerAdminState = sub == "drain" ? .drain : sub == "disable" ? .maint : .ready
            return try change(action: sub, names: names, value: .string(state.rawValue), arguments: arguments, dryRun: dryRun, at: now, by: by) { server in
                server.state = state
            } apply: { name in
                try self.target.setState(state, server: name, at: now)
            }
        case "algorithm":
            try expect(1...1, "lb algorithm NAME [--dry-run]  (\(BalanceAlgorithm.names.joined(separator: " | ")))")
            guard let algorithm = BalanceAlgorithm(rawValue: rest[0]) else { throw ConsoleError.unknownAlgorithm(rest[0]) }
            let before = current.configuration
            if dryRun {
                var wanted = try liveConfiguration(at: now)
                wanted.algorithm = algorithm
                return try preview(wanted, what: "lb algorithm \(algorithm.rawValue)", at: now, by: by)
            }
            try target.setAlgorithm(algorithm, at: now)
            return try record(action: "algorithm", backend: nil, value: .string(algorithm.rawValue), arguments: arguments, before: before, at: now, by: by)
        case "ratelimit":
            try expect(1...1, "lb ratelimit N|off [--dry-run]  (requests per second at the frontend; the excess is answered 429)")
            let limit: Double?
            if rest[0] == "off" { limit = nil } else {
                guard let value = try? Bounds.number(rest[0], Bounds.rate) else { throw ConsoleError.badRateLimit(rest[0]) }
                limit = value
            }
            let before = current.configuration
            if dryRun {
                var wanted = try liveConfiguration(at: now)
                wanted.rateLimit = limit
                return try preview(wanted, what: "lb ratelimit \(rest[0])", at: now, by: by)
            }
            try target.setRateLimit(limit, at: now)
            return try record(action: "ratelimit", backend: nil, value: limit.map(JSONValue.number) ?? "off", arguments: arguments, before: before, at: now, by: by)
        default:
            throw ConsoleError.unknownSubcommand(sub)
        }
    }

    /// The servers a change names: each name, or a range `msg-01…msg-27` (also `msg-01..msg-27`)
    /// of the servers from one to the other in the load balancer's order; each once, in order.
    func backends(_ words: [String]) throws -> [String] {
        var names: [String] = []
        for word in words {
            let bounds = word.components(separatedBy: "…").count == 2 ? word.components(separatedBy: "…") : word.components(separatedBy: "..")
            if bounds.count == 2, !bounds[0].isEmpty, !bounds[1].isEmpty {
                let first = try backend(bounds[0])
                let last = try backend(bounds[1])
                guard let from = backendNames.firstIndex(of: first), let to = backendNames.firstIndex(of: last), from <= to else {
                    throw ConsoleError.usage("the range \(word) runs backwards: name the first server, then the last (lb show lists them in order)")
                }
                for name in backendNames[from...to] where !names.contains(name) { names.append(name) }
            } else {
                let name = try backend(word)
                if !names.contains(name) { names.append(name) }
            }
        }
        return names
    }

    /// One change to several servers, as one version: each server changed in turn; when the
    /// target refuses part-way, what was changed is recorded with what was not (as a partial
    /// rollback is). A dry run says what would change and changes nothing.
    private func change(action: String, names: [String], value: JSONValue, arguments: [String], dryRun: Bool, at now: Instant, by: String,
                        edit: (inout LoadBalancerConfiguration.Server) -> Void, apply: (String) throws -> Void) throws -> LBResult
    {
        let live = try liveConfiguration(at: now)
        if dryRun {
            var wanted = live
            for name in names { if let index = wanted.index(of: name) { edit(&wanted.servers[index]) } }
            return try preview(wanted, what: "lb \(arguments.filter { $0 != "--dry-run" }.joined(separator: " "))", at: now, by: by)
        }
        let before = current.configuration
        var failure: String?
        for (index, name) in names.enumerated() {
            do {
                try apply(name)
            } catch {
                // Refused before anything changed: an error like any other, no version.
                if index == 0 { throw error }
                failure = "\(error); not changed: \(names[index...].joined(separator: ", "))"
                break
            }
        }
        let backend = names.count == 1 ? names[0] : "\(names[0])…\(names[names.count - 1])"
        var result = try record(action: action, backend: backend, value: value, arguments: arguments, before: before, at: now, by: by, failure: failure)
        if names.count > 1 { result.data["backends"] = .array(names.map(JSONValue.string)) }
        return result
    }

    /// What a change would do, from the live configuration to `wanted`: nothing is changed,
    /// no version made.
    func preview(_ wanted: LoadBalancerConfiguration, what: String, at now: Instant, by: String) throws -> LBResult {
        let live = try liveConfiguration(at: now)
        var comparable = wanted
        if live.algorithm == nil { comparable.algorithm = nil }
        let changes = comparable.changes(from: live)
        let text = "dry run of \(what) — nothing changed; it would make v\(versions.count + 1) from v\(current.number):\n" + Self.changeLines(changes, all: false)
        return readOnly("dry-run", text: text, extra: ["changes": .array(changes.map(JSONValue.string)), "diff": .array(comparable.diff(from: live)),
                                                        "would_be_version": .int(versions.count + 1)], at: now, by: by)
    }

    /// Makes a new version from the target's configuration after a change, recording exactly
    /// what differs from `before` (the live configuration the change started from).
    func record(action: String, backend: String?, value: JSONValue, arguments: [String], before: LoadBalancerConfiguration, at now: Instant, by: String,
                fromVersion: Int? = nil, note: String? = nil, failure: String? = nil) throws -> LBResult
    {
        var configuration = try liveConfiguration(at: now)
        if configuration.algorithm == nil { configuration.algorithm = before.algorithm }
        let changes = configuration.changes(from: before)
        guard !changes.isEmpty || failure != nil else {
            // Asked for what is there already: no version, and the shell says so.
            lastConfirmedAt = now
            let what = note.map { "\($0): " } ?? ""
            return readOnly("unchanged", text: "nothing changed: \(what)the load balancer has that configuration already; v\(current.number) stands",
                            extra: ["arguments": .array(arguments.map(JSONValue.string))], at: now, by: by)
        }
        let number = versions.count + 1
        versions.append(ConfigurationVersion(number: number, at: now, by: by, note: note, changes: changes, configuration: configuration, action: action))
        lastConfirmedAt = now
        var data: JSONObject = ["action": .string(action)]
        if let backend { data["backend"] = .string(backend) }
        data["value"] = value
        data["version"] = .int(number)
        data["from_version"] = .int(fromVersion ?? number - 1)
        data["changes"] = .array(changes.map(JSONValue.string))
        data["diff"] = .array(configuration.diff(from: before))
        data["by"] = .string(by)
        data["source"] = "operator"
        data["changed"] = true
        data["arguments"] = .array(arguments.map(JSONValue.string))
        if let note { data["note"] = .string(note) }
        if let failure { data["failure"] = .string(failure) }
        var text = "configuration version \(number) by \(by) at \(now.clockSeconds)\(note.map { ": \($0)" } ?? "")\n\(Self.changeLines(changes, all: false))"
        if let failure { text += "\n  incomplete: \(failure)" }
        return LBResult(text: text, data: data, changed: true, at: now, by: by, failure: failure)
    }

    func readOnly(_ action: String, text: String, extra: JSONObject = [:], at now: Instant, by: String) -> LBResult {
        var data: JSONObject = ["action": .string(action), "version": .int(current.number), "source": "operator", "changed": false]
        for member in extra { data[member.key] = member.value }
        return LBResult(text: text, data: data, changed: false, at: now, by: by)
    }

    func show(_ options: ProbeOptions, at now: Instant, by: String) throws -> LBResult {
        let version = current
        let snapshot = try target.snapshot(at: now)
        let reading = try optionalWindow(seconds: options.windowSeconds, at: now)
        var rows: [[String]] = []
        for server in version.configuration.servers {
            let stats = snapshot.servers.first { $0.name == server.name }
            let window = reading?.server(server.name)
            let rate = window.map { TextFormat.count(reading!.window.coveredSeconds > 0 ? $0.requests / reading!.window.coveredSeconds : 0) }
                ?? stats.map { TextFormat.count($0.rate) } ?? ""
            rows.append([server.name, String(server.weight), server.state.rawValue, stats?.statusText ?? "?", rate,
                         window.map { TextFormat.percent($0.errorRate) } ?? "-", stats.map { String($0.qcur) } ?? ""])
        }
        var header = "\(target.label) — configuration version \(version.number) (by \(version.by) at \(version.at.clockSeconds))\n"
            + "algorithm \(version.configuration.algorithm?.rawValue ?? "unknown") · rate limit \(LoadBalancerConfiguration.rateText(version.configuration.rateLimit))"
        if let reading { header += "\n" + queueLine(reading) }
        header += "\nWEIGHT, STATE (as set), STATUS (as the load balancer shows it) and QUEUE are now; "
            + (reading.map { "REQ/S and ERRORS are \($0.window.text)" } ?? "REQ/S is the last second's")
        let table = TextFormat.collapsedTable(header: ["BACKEND", "WEIGHT", "STATE", "STATUS", "REQ/S", "ERRORS", "QUEUE"], rows: rows,
                                              alignments: [.left, .right, .left, .left, .right, .right, .right], all: options.all)
        var extra: JSONObject = [:]
        if let reading {
            extra["window"] = .object(reading.window.data)
            extra["queued"] = .number(reading.queued)
            if let queueTimeouts = reading.pool.queueTimeouts { extra["queue_timeouts"] = .number(queueTimeouts) }
        }
        return readOnly("show", text: header + "\n" + table.text + TextFormat.foldedNote(table.folded), extra: extra, at: now, by: by)
    }

    func history(at now: Instant, by: String) -> LBResult {
        var rows: [[String]] = []
        for version in versions {
            var what: String
            if version.changes.isEmpty {
                what = version.note ?? "(no change)"
            } else {
                what = version.changes.count <= 3 ? version.changes.joined(separator: "; ") : ConfigurationChangeSummary.compact(version.changes)
                if let note = version.note { what = "\(note): \(what)" }
            }
            if let happened = version.happenedAt { what += " (happened by \(happened.clockSeconds))" }
            rows.append(["v\(version.number)", version.at.clockSeconds, version.by, what])
        }
        let text = TextFormat.table(header: ["VERSION", "AT", "BY", "WHAT"], rows: rows)
        return readOnly("history", text: text, extra: ["versions": .int(versions.count)], at: now, by: by)
    }

    func versionNumber(_ text: String) throws -> Int {
        let digits = text.hasPrefix("v") ? String(text.dropFirst()) : text
        guard let number = Int(digits), (1...versions.count).contains(number) else { throw ConsoleError.noSuchVersion(text, latest: versions.count) }
        return number
    }

    func diff(_ options: ProbeOptions, at now: Instant, by: String) throws -> LBResult {
        let latest = versions.count
        let arguments = options.words
        let (from, to): (Int, Int)
        switch arguments.count {
        case 0:
            guard latest > 1 else {
                return readOnly("diff", text: "only one configuration version so far (checked against the live configuration at \(now.clockSeconds)): nothing to compare",
                                at: now, by: by)
            }
            (from, to) = (latest - 1, latest)
        case 1: (from, to) = (try versionNumber(arguments[0]), latest)
        default: (from, to) = (try versionNumber(arguments[0]), try versionNumber(arguments[1]))
        }
        let changes = versions[to - 1].configuration.changes(from: versions[from - 1].configuration)
        var text = "v\(from) → v\(to):\n" + (changes.isEmpty ? "  no differences" : Self.changeLines(changes, all: options.all))
        if !options.all, changes.count > 3 { text += "\n(changes of the same kind folded into one line; --all lists each)" }
        return readOnly("diff", text: text, extra: ["from_version": .int(from), "to_version": .int(to), "changes": .array(changes.map(JSONValue.string)),
                                                    "diff": .array(versions[to - 1].configuration.diff(from: versions[from - 1].configuration))],
                        at: now, by: by)
    }

    /// The version `lb rollback` with no version returns to: the one before the most recent
    /// change, where a change is the latest version together with the versions just before it
    /// by the same author (seven `lb weight` in a row are one change), up to a rollback.
    func versionBeforeLatestChange() throws -> (number: Int, reason: String) {
        let latest = versions.count
        guard latest > 1 else { throw ConsoleError.nothingToRollBack }
        let last = current
        var first = latest
        // A responder's run of changes is undone together; changes found made outside warroom
        // are undone one at a time, the most recent first.
        if last.action != "rollback", last.action != "outside-change" {
            while first > 2, versions[first - 2].by == last.by, versions[first - 2].action != "rollback" { first -= 1 }
        }
        let span = first == latest ? "v\(latest) by \(last.by)" : "v\(first)…v\(latest), \(latest - first + 1) changes by \(last.by)"
        return (first - 1, "the version before the most recent change (\(span))")
    }

    /// Where `lb rollback [VERSION|initial]` goes: the configuration, a note, and the value recorded.
    func rollbackGoal(_ argument: String?, at now: Instant) throws -> (wanted: LoadBalancerConfiguration, note: String, value: JSONValue) {
        if argument == "initial" {
            return (try target.initialConfiguration(at: now), "rollback to the configuration \(target.label) was started with", "initial")
        } else if let argument {
            let goal = try versionNumber(argument)
            return (versions[goal - 1].configuration, "rollback to version \(goal)", .int(goal))
        }
        let (goal, reason) = try versionBeforeLatestChange()
        return (versions[goal - 1].configuration, "rollback to version \(goal), \(reason)", .int(goal))
    }

    func rollback(_ argument: String?, arguments: [String], at now: Instant, by: String) throws -> LBResult {
        let latest = versions.count
        let (wanted, note, value) = try rollbackGoal(argument, at: now)
        let live = try liveConfiguration(at: now)
        var failure: String?
        do {
            try apply(wanted, over: live, at: now)
        } catch {
            // Refused before anything changed: an error like any other, no version.
            if try liveConfiguration(at: now).serversMatch(live) { throw error }
            failure = "\(error)"
        }
        var result = try record(action: "rollback", backend: nil, value: value, arguments: arguments, before: live, at: now, by: by, fromVersion: latest,
                                note: note, failure: failure)
        // Every change was confirmed as it was made; read the whole back once more.
        if failure == nil, !current.configuration.serversMatch(wanted) {
            let left = wanted.changes(from: current.configuration)
            let message = "\(target.label) reports a configuration other than the one asked for: \(ConfigurationChangeSummary.compact(left)) still to do; check with probe config and retry"
            result.failure = message
            result.data["failure"] = .string(message)
            result.text += "\n  incomplete: \(message)"
        }
        return result
    }

    /// Applies the difference from `live` to `wanted`: algorithm and rate limit where the target
    /// can change them, then each server's weight and state.
    func apply(_ wanted: LoadBalancerConfiguration, over live: LoadBalancerConfiguration, at now: Instant) throws {
        if let algorithm = wanted.algorithm, live.algorithm != nil, live.algorithm != algorithm {
            try target.setAlgorithm(algorithm, at: now)
        }
        if wanted.rateLimit != live.rateLimit, live.algorithm != nil || wanted.rateLimit != nil {
            try target.setRateLimit(wanted.rateLimit, at: now)
        }
        for server in wanted.servers {
            guard let present = live.servers.first(where: { $0.name == server.name }) else { continue }
            if present.weight != server.weight { try target.setWeight(server.weight, server: server.name, at: now) }
            if present.state != server.state { try target.setState(server.state, server: server.name, at: now) }
            if server.addressDiffers(from: present), let address = server.address { try target.setAddress(address, server: server.name, at: now) }
        }
    }
}
