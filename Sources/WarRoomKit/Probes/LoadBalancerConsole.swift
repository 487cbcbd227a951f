/// Probes and `lb` commands over any `LoadBalancerTarget`, with the history of configuration
/// versions: the one place the shell calls for `probe …` and `lb …`.
///
/// Every change (the responder's, or a scenario event's) becomes a new version with its
/// number, time, author and what changed; each call returns text for the screen and data
/// for the transcript entry.
public final class LoadBalancerConsole {
    /// `lb` subcommands, for completion and "did you mean".
    public static let subcommands = ["show", "history", "diff", "rollback", "weight", "drain", "disable", "enable", "algorithm", "ratelimit"]

    public let target: any LoadBalancerTarget
    /// Configuration versions, oldest first; version `k` is at index `k - 1`.
    public internal(set) var versions: [ConfigurationVersion] = []
    /// Server names, in the target's order.
    public internal(set) var backendNames: [String] = []
    /// Changes the target made on its own that the caller has not taken yet (see `takeTargetChanges()`).
    var pendingTargetChanges: [LBResult] = []
    var seenTargetChanges = 0
    /// The last full reading, for rates from counter deltas on targets without history.
    var lastSnapshot: TargetSnapshot?

    /// Reads the target's configuration as version 1.
    /// - Parameters:
    ///   - target: the simulation or a real load balancer.
    ///   - start: the incident clock's time now.
    ///   - by: who owns version 1 (`scenario` for a drill, the load balancer's name otherwise).
    /// - Throws: what the target throws when it cannot be read.
    public init(target: any LoadBalancerTarget, at start: Instant, by: String = "initial") throws {
        self.target = target
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
        for command in commands {
            _ = try console.lb(arguments: command.arguments, by: command.by, at: command.at)
        }
        _ = console.takeTargetChanges()
        return console
    }

    /// The current configuration version.
    public var current: ConfigurationVersion { versions[versions.count - 1] }

    /// Changes the target made by itself (scenario events) since the last call, as `lb`
    /// transcript entries to record (`by` and `at` are the event's).
    public func takeTargetChanges() -> [LBResult] {
        defer { pendingTargetChanges = [] }
        return pendingTargetChanges
    }

    /// Brings the version history up to date with the target's own changes up to `now`.
    /// - Returns: the new versions as `lb` results (also kept for `takeTargetChanges()`).
    @discardableResult
    public func sync(at now: Instant) throws -> [LBResult] {
        let changes: [ConfigurationChangeRecord]
        do {
            changes = try target.ownChanges(through: now)
        } catch TargetError.unsupported {
            return []
        }
        guard changes.count > seenTargetChanges else { return [] }
        var results: [LBResult] = []
        for change in changes[seenTargetChanges...] {
            let number = versions.count + 1
            versions.append(ConfigurationVersion(number: number, at: change.at, by: change.by, note: change.note, changes: change.changes,
                                                 configuration: change.configuration))
            var data: JSONObject = ["action": "scenario-event", "version": .int(number), "from_version": .int(number - 1),
                                    "changes": .array(change.changes.map(JSONValue.string)), "by": .string(change.by), "source": "scenario",
                                    "changed": true, "time": .string(change.at.iso8601)]
            if let note = change.note { data["note"] = .string(note) }
            let text = "configuration version \(number) by \(change.by) at \(change.at.clockSeconds)\(change.note.map { ": \($0)" } ?? "")\n"
                + change.changes.map { "  \($0)" }.joined(separator: "\n")
            results.append(LBResult(text: text, data: data, changed: true, at: change.at, by: change.by))
        }
        seenTargetChanges = changes.count
        pendingTargetChanges.append(contentsOf: results)
        return results
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
}
