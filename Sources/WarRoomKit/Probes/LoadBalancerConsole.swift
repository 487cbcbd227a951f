/// Probes and `lb` commands over any `LoadBalancerTarget`, with the history of configuration
/// versions: the one place the shell calls for `probe …` and `lb …`.
///
/// Every change (the responder's, a scenario event's, or one made outside warroom and found
/// when the live configuration was read) becomes a new version with its number, time, author
/// and what changed; each call returns text for the screen and data for the transcript entry.
public final class LoadBalancerConsole {
    /// `lb` subcommands, for completion and "did you mean".
    public static let subcommands = ["show", "history", "diff", "rollback", "weight", "drain", "disable", "enable", "algorithm", "ratelimit"]
    /// The subcommands that change the configuration (a drill facilitator may `inject` them).
    public static let changeSubcommands: Set<String> = ["rollback", "weight", "drain", "disable", "enable", "algorithm", "ratelimit"]

    public let target: any LoadBalancerTarget
    /// Configuration versions, oldest first; version `k` is at index `k - 1`.
    public internal(set) var versions: [ConfigurationVersion] = []
    /// Server names, in the target's order.
    public internal(set) var backendNames: [String] = []
    /// Changes the target made on its own, or that were found made outside warroom, that the
    /// caller has not taken yet (see `takeTargetChanges()`).
    var pendingTargetChanges: [LBResult] = []
    var seenTargetChanges = 0
    /// Whether the target records its own changes (a scenario's events); when it does not (a real
    /// load balancer), the live configuration is compared with the current version instead.
    let targetRecordsChanges: Bool
    /// The last time the live configuration was read and found equal to the current version.
    public internal(set) var lastConfirmedAt: Instant

    /// Reads the target's configuration as version 1.
    /// - Parameters:
    ///   - target: the simulation or a real load balancer.
    ///   - start: the incident clock's time now.
    ///   - by: who owns version 1 (`scenario` for a drill, the load balancer's name otherwise).
    /// - Throws: what the target throws when it cannot be read.
    public init(target: any LoadBalancerTarget, at start: Instant, by: String = "initial") throws {
        self.target = target
        lastConfirmedAt = start
        do {
            _ = try target.ownChanges(through: start)
            targetRecordsChanges = true
        } catch TargetError.unsupported {
            targetRecordsChanges = false
        }
        let configuration = try liveConfiguration(at: start)
        backendNames = configuration.servers.map(\.name)
        versions = [ConfigurationVersion(number: 1, at: start, by: by, note: "configuration at the start", changes: [], configuration: configuration)]
        try sync(at: start)
    }

    /// Rebuilds a console after `resume` or for `replay`: re-applies each recorded change at its
    /// recorded time on a fresh target, so the state is the one of the live run.
    /// - Parameters:
    ///   - target: a fresh target (for the simulation, at the scenario's start).
    ///   - start: the incident's start.
    ///   - commands: the recorded changes (`RecordedLBCommand.from(entries:)`).
    ///   - by: who owns version 1.
    /// - Throws: what a command throws (a transcript that does not match its scenario).
    public static func rebuild(target: any LoadBalancerTarget, start: Instant, commands: [RecordedLBCommand], by: String = "initial") throws -> LoadBalancerConsole {
        let console = try LoadBalancerConsole(target: target, at: start, by: by)
        for command in commands { try console.redo(command) }
        _ = console.takeTargetChanges()
        return console
    }

    /// Makes a recorded change again at its recorded time: an `lb` command, or an inject into
    /// the simulation (which a real load balancer has no part in: nothing is done there).
    /// - Throws: what the `lb` command throws.
    public func redo(_ command: RecordedLBCommand) throws {
        if let inject = command.inject {
            (target as? SimulatedTarget)?.apply(inject, at: command.at)
            return
        }
        _ = try lb(arguments: command.arguments, by: command.by, at: command.at)
    }

    /// The current configuration version.
    public var current: ConfigurationVersion { versions[versions.count - 1] }

    /// The name a change made outside warroom is recorded under: the kind of load balancer
    /// (`haproxy` for `haproxy:/run/haproxy.sock`).
    public var observerName: String {
        target.label.split(separator: ":", maxSplits: 1).first.map(String.init) ?? target.label
    }

    /// Changes the target made by itself (scenario events) or that were found made outside
    /// warroom, since the last call, as `lb` transcript entries to record (`by` and `at` are
    /// the event's, or the load balancer's and the time it was seen).
    public func takeTargetChanges() -> [LBResult] {
        defer { pendingTargetChanges = [] }
        return pendingTargetChanges
    }

    /// Brings the version history up to date with the target at `now`: its own changes (a
    /// scenario's events), or, for a target that does not record them (a real load balancer),
    /// any difference between the live configuration and the current version, which was made
    /// outside warroom and becomes a version by the load balancer.
    /// - Returns: the new versions as `lb` results (also kept for `takeTargetChanges()`).
    /// - Throws: what the target throws when it cannot be read.
    @discardableResult
    public func sync(at now: Instant) throws -> [LBResult] {
        guard targetRecordsChanges else {
            // Its own life first (a restart explains what follows), then its configuration.
            var results: [LBResult] = []
            if let life = target.lifeEvent(at: now) {
                let result = LBResult(text: life.text, data: life.data, changed: false, at: now, by: observerName)
                pendingTargetChanges.append(result)
                results.append(result)
            }
            if let observed = try observe(at: now) { results.append(observed) }
            return results
        }
        let changes = try target.ownChanges(through: now)
        guard changes.count > seenTargetChanges else { return [] }
        var results: [LBResult] = []
        for change in changes[seenTargetChanges...] {
            let number = versions.count + 1
            let before = current.configuration
            versions.append(ConfigurationVersion(number: number, at: change.at, by: change.by, note: change.note, changes: change.changes,
                                                 configuration: change.configuration, action: "scenario-event"))
            var data: JSONObject = ["action": "scenario-event", "version": .int(number), "from_version": .int(number - 1),
                                    "changes": .array(change.changes.map(JSONValue.string)), "diff": .array(change.configuration.diff(from: before)),
                                    "by": .string(change.by), "source": "scenario", "changed": true, "time": .string(change.at.iso8601)]
            if let note = change.note { data["note"] = .string(note) }
            let text = "configuration version \(number) by \(change.by) at \(change.at.clockSeconds)\(change.note.map { ": \($0)" } ?? "")\n"
                + Self.changeLines(change.changes, all: false)
            results.append(LBResult(text: text, data: data, changed: true, at: change.at, by: change.by))
        }
        seenTargetChanges = changes.count
        pendingTargetChanges.append(contentsOf: results)
        return results
    }

    /// Compares the live configuration with the current version; a difference becomes a
    /// version by the load balancer (`observerName`), dated when it was seen, with the
    /// target's evidence of when it happened.
    func observe(at now: Instant) throws -> LBResult? {
        let live = try liveConfiguration(at: now)
        var changes = live.changes(from: current.configuration)
        if live.algorithm == nil { changes.removeAll { $0.hasPrefix("algorithm:") } }
        guard !changes.isEmpty else {
            lastConfirmedAt = max(lastConfirmedAt, now)
            return nil
        }
        let before = current
        var configuration = live
        if configuration.algorithm == nil { configuration.algorithm = before.configuration.algorithm }
        let changed = LoadBalancerConfiguration.changedServers(configuration.diff(from: before.configuration))
        let evidence = target.changeEvidence(servers: changed, since: lastConfirmedAt, at: now)
        let number = versions.count + 1
        let by = observerName
        let note = "changed outside warroom, seen at \(now.clockSeconds)"
        versions.append(ConfigurationVersion(number: number, at: now, by: by, note: note, changes: changes, configuration: configuration,
                                             action: "outside-change", happenedAt: evidence?.happenedAt, evidence: evidence?.text))
        backendNames = configuration.servers.map(\.name)
        var data: JSONObject = [
            "action": "outside-change", "version": .int(number), "from_version": .int(before.number), "changes": .array(changes.map(JSONValue.string)),
            "diff": .array(configuration.diff(from: before.configuration)), "by": .string(by), "source": "target", "changed": true, "note": .string(note),
            "seen_at": .string(now.iso8601), "unchanged_at": .string(lastConfirmedAt.iso8601), "target": .string(target.label),
            "from_configuration": before.configuration.recorded, "configuration": configuration.recorded,
        ]
        data["happened_at"] = .optional(evidence?.happenedAt?.iso8601)
        if let evidence {
            data["evidence"] = .string(evidence.text)
            for member in evidence.data { data[member.key] = member.value }
        }
        var text = "configuration version \(number) by \(by): \(note) (unchanged at \(lastConfirmedAt.clockSeconds))\n"
        lastConfirmedAt = now
        if let evidence { text += "  \(evidence.text)\n" }
        text += Self.changeLines(changes, all: false)
        let result = LBResult(text: text, data: data, changed: true, at: now, by: by)
        pendingTargetChanges.append(result)
        return result
    }

    /// Takes a version another shell recorded (`lb` entry), for a target whose changes are
    /// found by reading it (a real load balancer): the next read then finds the live
    /// configuration equal to it, not changed outside warroom. An entry that is not the next
    /// version (this shell recorded it, or a transcript from before configurations were kept)
    /// is left alone.
    public func adopt(_ entry: TranscriptEntry) {
        guard !targetRecordsChanges, let version = ConfigurationVersion(recorded: entry), version.number == versions.count + 1 else { return }
        versions.append(version)
        backendNames = version.configuration.servers.map(\.name)
        lastConfirmedAt = max(lastConfirmedAt, entry.at)
    }

    /// The live configuration, from the target when it can say, else from its statistics.
    func liveConfiguration(at now: Instant) throws -> LoadBalancerConfiguration {
        do {
            return try target.configuration(at: now)
        } catch TargetError.unsupported {
            let snapshot = try target.snapshot(at: now)
            return LoadBalancerConfiguration(algorithm: nil, servers: snapshot.servers.map { server in
                let state: ServerAdminState = server.status.hasPrefix("MAINT") ? .maint : server.status.hasPrefix("DRAIN") && server.weight > 0 ? .drain : .ready
                return LoadBalancerConfiguration.Server(name: server.name, weight: server.weight, state: state)
            })
        }
    }

    /// The backend named `name`, or `TargetError.unknownServer` with a "did you mean".
    func backend(_ name: String) throws -> String {
        guard backendNames.contains(name) else { throw TargetError.unknownServer(name: name, known: backendNames) }
        return name
    }

    /// Change lines, indented, with runs of the same change folded into one line
    /// (`weight 100 → 25 on msg-01…msg-27 (27)`) unless `all`.
    static func changeLines(_ changes: [String], all: Bool) -> String {
        guard !changes.isEmpty else { return "  (no effective change)" }
        if all || changes.count <= 3 { return changes.map { "  \($0)" }.joined(separator: "\n") }
        return ConfigurationChangeSummary.groups(changes).map { "  \($0)" }.joined(separator: "\n")
    }
}

extension LoadBalancerConfiguration {
    /// The servers a `diff` names, in order, once each.
    static func changedServers(_ diff: [JSONValue]) -> [String] {
        var names: [String] = []
        for item in diff {
            if let name = item["server"]?.stringValue, !names.contains(name) { names.append(name) }
        }
        return names
    }
}
