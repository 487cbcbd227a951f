extension LoadBalancerConsole {
    /// Runs `lb SUBCOMMAND …`: show, history, diff [V1 [V2]], rollback [VERSION],
    /// weight BACKEND N, drain|disable|enable BACKEND, algorithm NAME, ratelimit N|off.
    /// - Parameters:
    ///   - arguments: the words after `lb`.
    ///   - by: the responder.
    ///   - at: the incident clock's time.
    /// - Returns: text and transcript data; `changed` says whether a new version was made.
    /// - Throws: `ConsoleError` for a mistake in the command, `TargetError` when the target refuses.
    public func lb(arguments: [String], by: String, at now: Instant) throws -> LBResult {
        try sync(at: now)
        guard let sub = arguments.first else { return try show(at: now, by: by) }
        let rest = Array(arguments.dropFirst())
        func expect(_ count: ClosedRange<Int>, _ usage: String) throws {
            guard count.contains(rest.count) else { throw ConsoleError.usage(usage) }
        }
        switch sub {
        case "show":
            try expect(0...0, "lb show")
            return try show(at: now, by: by)
        case "history":
            try expect(0...0, "lb history")
            return history(at: now, by: by)
        case "diff":
            try expect(0...2, "lb diff [V1 [V2]]")
            return try diff(rest, at: now, by: by)
        case "rollback":
            try expect(0...1, "lb rollback [VERSION]")
            return try rollback(rest.first, arguments: arguments, at: now, by: by)
        case "weight":
            try expect(2...2, "lb weight BACKEND N  (N is 0…256)")
            let name = try backend(rest[0])
            guard let value = Int(rest[1]), ScenarioLoader.weightRange.contains(value) else {
                throw ConsoleError.weightOutOfRange(backend: name, value: rest[1])
            }
            try target.setWeight(value, server: name, at: now)
            return try record(action: "weight", backend: name, value: .int(value), arguments: arguments, at: now, by: by)
        case "drain", "disable", "enable":
            try expect(1...1, "lb \(sub) BACKEND")
            let name = try backend(rest[0])
            let state: ServerAdminState = sub == "drain" ? .drain : sub == "disable" ? .maint : .ready
            try target.setState(state, server: name, at: now)
            return try record(action: sub, backend: name, value: .string(state.rawValue), arguments: arguments, at: now, by: by)
        case "algorithm":
            try expect(1...1, "lb algorithm NAME  (\(BalanceAlgorithm.names.joined(separator: " | ")))")
            guard let algorithm = BalanceAlgorithm(rawValue: rest[0]) else { throw ConsoleError.unknownAlgorithm(rest[0]) }
            try target.setAlgorithm(algorithm, at: now)
            return try record(action: "algorithm", backend: nil, value: .string(algorithm.rawValue), arguments: arguments, at: now, by: by)
        case "ratelimit":
            try expect(1...1, "lb ratelimit N|off  (requests per second at the frontend; the excess is answered 429)")
            let limit: Double?
            if rest[0] == "off" { limit = nil } else {
                guard let value = try? Bounds.number(rest[0], Bounds.rate) else { throw ConsoleError.badRateLimit(rest[0]) }
                limit = value
            }
            try target.setRateLimit(limit, at: now)
            return try record(action: "ratelimit", backend: nil, value: limit.map(JSONValue.number) ?? "off", arguments: arguments, at: now, by: by)
        default:
            throw ConsoleError.unknownSubcommand(sub)
        }
    }

    /// Makes a new version from the target's configuration after a change.
    func record(action: String, backend: String?, value: JSONValue, arguments: [String], at now: Instant, by: String,
                fromVersion: Int? = nil, note: String? = nil) throws -> LBResult
    {
        let configuration = try liveConfiguration(at: now)
        let before = current.configuration
        var changes = configuration.changes(from: before)
        if configuration.algorithm == nil, before.algorithm != nil {
            // A target that cannot say its algorithm keeps the one we knew.
            changes.removeAll { $0.hasPrefix("algorithm:") }
        }
        let number = versions.count + 1
        versions.append(ConfigurationVersion(number: number, at: now, by: by, note: note, changes: changes, configuration: configuration))
        var data: JSONObject = ["action": .string(action)]
        if let backend { data["backend"] = .string(backend) }
        data["value"] = value
        data["version"] = .int(number)
        data["from_version"] = .int(fromVersion ?? number - 1)
        data["changes"] = .array(changes.map(JSONValue.string))
        data["by"] = .string(by)
        data["source"] = "operator"
        data["changed"] = true
        data["arguments"] = .array(arguments.map(JSONValue.string))
        let summary = changes.isEmpty ? "  (no effective change)" : changes.map { "  \($0)" }.joined(separator: "\n")
        let text = "configuration version \(number) by \(by) at \(now.clockSeconds)\(note.map { ": \($0)" } ?? "")\n\(summary)"
        return LBResult(text: text, data: data, changed: true, at: now, by: by)
    }

    func readOnly(_ action: String, text: String, extra: JSONObject = [:], at now: Instant, by: String) -> LBResult {
        var data: JSONObject = ["action": .string(action), "version": .int(current.number), "source": "operator", "changed": false]
        for member in extra { data[member.key] = member.value }
        return LBResult(text: text, data: data, changed: false, at: now, by: by)
    }

    func show(at now: Instant, by: String) throws -> LBResult {
        let version = current
        let snapshot = try target.snapshot(at: now)
        lastSnapshot = snapshot
        var rows: [[String]] = []
        for server in version.configuration.servers {
            let stats = snapshot.servers.first { $0.name == server.name }
            rows.append([server.name, String(server.weight), server.state.rawValue, stats?.status ?? "?", stats.map { TextFormat.count($0.rate) } ?? "",
                         stats.map { String($0.qcur) } ?? ""])
        }
        let header = "\(target.label) — configuration version \(version.number) (by \(version.by) at \(version.at.clockSeconds))\n"
            + "algorithm \(version.configuration.algorithm?.rawValue ?? "unknown") · rate limit \(LoadBalancerConfiguration.rateText(version.configuration.rateLimit))\n"
        let table = TextFormat.table(header: ["BACKEND", "WEIGHT", "STATE", "STATUS", "REQ/S", "QUEUE"], rows: rows,
                                     alignments: [.left, .right, .left, .left, .right, .right])
        return readOnly("show", text: header + table, at: now, by: by)
    }

    func history(at now: Instant, by: String) -> LBResult {
        var rows: [[String]] = []
        for version in versions {
            let what: String
            if version.changes.isEmpty {
                what = version.note ?? "(no change)"
            } else {
                let shown = version.changes.prefix(3).joined(separator: "; ")
                what = version.changes.count > 3 ? "\(shown); … (\(version.changes.count) changes)" : shown
            }
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

    func diff(_ arguments: [String], at now: Instant, by: String) throws -> LBResult {
        let latest = versions.count
        let (from, to): (Int, Int)
        switch arguments.count {
        case 0:
            guard latest > 1 else { return readOnly("diff", text: "only one configuration version so far: nothing to compare", at: now, by: by) }
            (from, to) = (latest - 1, latest)
        case 1: (from, to) = (try versionNumber(arguments[0]), latest)
        default: (from, to) = (try versionNumber(arguments[0]), try versionNumber(arguments[1]))
        }
        let changes = versions[to - 1].configuration.changes(from: versions[from - 1].configuration)
        let text = "v\(from) → v\(to):\n" + (changes.isEmpty ? "  no differences" : changes.map { "  \($0)" }.joined(separator: "\n"))
        return readOnly("diff", text: text, extra: ["from_version": .int(from), "to_version": .int(to), "changes": .array(changes.map(JSONValue.string))],
                        at: now, by: by)
    }

    func rollback(_ argument: String?, arguments: [String], at now: Instant, by: String) throws -> LBResult {
        let latest = versions.count
        let goal: Int
        if let argument {
            goal = try versionNumber(argument)
        } else {
            guard latest > 1 else { throw ConsoleError.nothingToRollBack }
            goal = latest - 1
        }
        let wanted = versions[goal - 1].configuration
        let live = try liveConfiguration(at: now)
        if let algorithm = wanted.algorithm, live.algorithm != nil, live.algorithm != algorithm {
            try target.setAlgorithm(algorithm, at: now)
        }
        if wanted.rateLimit != live.rateLimit, live.algorithm != nil || wanted.rateLimit != nil {
            try target.setRateLimit(wanted.rateLimit, at: now)
        }
        for server in wanted.servers {
            guard let now_ = live.servers.first(where: { $0.name == server.name }) else { continue }
            if now_.weight != server.weight { try target.setWeight(server.weight, server: server.name, at: now) }
            if now_.state != server.state { try target.setState(server.state, server: server.name, at: now) }
        }
        return try record(action: "rollback", backend: nil, value: .int(goal), arguments: arguments, at: now, by: by, fromVersion: latest,
                          note: "rollback to version \(goal)")
    }
}
