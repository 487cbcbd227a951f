extension Playbook {
    /// The step with this id, if the playbook has one.
    public func step(_ id: String) -> Step? {
        locations[id].map { phases[$0.phase].steps[$0.step] }
    }

    /// The phase holding the step with this id.
    public func phase(ofStep id: String) -> Phase? {
        locations[id].map { phases[$0.phase] }
    }

    /// The phase with this name.
    public func phase(named name: String) -> Phase? {
        phases.first { $0.name == name }
    }

    /// The entry point: the first step of the first phase.
    public var firstStep: Step? {
        phases.first?.steps.first
    }

    /// Every step in reading order.
    public var allSteps: [Step] {
        phases.flatMap(\.steps)
    }

    /// Number of steps in all phases.
    public var stepCount: Int {
        phases.reduce(0) { $0 + $1.steps.count }
    }

    /// Step ids in reading order, for Tab completion of `done`, `skip`, `run` and `goto`.
    public var stepIDs: [String] {
        phases.flatMap { $0.steps.map(\.id) }
    }

    /// Phase names in order, for Tab completion of `goto`.
    public var phaseNames: [String] {
        phases.map(\.name)
    }

    /// The step that follows `id` in reading order (crossing phases), or `nil` after the last.
    public func stepAfter(_ id: String) -> Step? {
        guard let location = locations[id] else { return nil }
        if location.step + 1 < phases[location.phase].steps.count {
            return phases[location.phase].steps[location.step + 1]
        }
        var phase = location.phase + 1
        while phase < phases.count {
            if let first = phases[phase].steps.first { return first }
            phase += 1
        }
        return nil
    }

    /// The step a target leads to from step `id`, or `nil` when it leads past the last step.
    public func destination(of target: Target, from id: String) -> Step? {
        switch target {
        case .next: return stepAfter(id)
        case .step(let stepID): return step(stepID)
        case .phase(let name): return phase(named: name)?.steps.first
        }
    }

    /// The `data.playbook` object of the transcript's `open` entry: id, version, file hash, path.
    public var openRecord: JSONValue {
        ["id": .string(id), "version": .int(version), "sha256": .string(sha256), "path": .string(path)]
    }

    /// A warning when the playbook differs from the one an incident was opened with (its
    /// `open` entry's `data.playbook`), for `resume`; `nil` when it is the same file.
    /// - Parameter record: the `data.playbook` value of the `open` entry.
    /// - Returns: one line saying what changed and what it means, or `nil`.
    public func changeWarning(comparedWith record: JSONValue) -> String? {
        guard case .object(let object) = record else { return nil }
        let recordedID = object["id"]?.stringValue ?? id
        let recordedVersion = object["version"]?.intValue
        let recordedHash = object["sha256"]?.stringValue
        if recordedID != id {
            return "playbook '\(path)' is '\(id)', but the incident was opened with '\(recordedID)'; steps may not match"
        }
        guard let recordedHash, recordedHash != sha256 else { return nil }
        let versions = recordedVersion.map { $0 == version ? " (both say version \(version))" : " (version \($0) then, \(version) now)" } ?? ""
        return "playbook '\(id)' has changed since the incident was opened\(versions): "
            + "sha256 \(recordedHash.prefix(12))… then, \(sha256.prefix(12))… now; the position is rebuilt from the transcript, "
            + "and steps that no longer exist are ignored"
    }
}
