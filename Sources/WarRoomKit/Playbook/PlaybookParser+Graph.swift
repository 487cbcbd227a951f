/// The checks that need the whole playbook: unique names, branch targets, roles, and which
/// steps some path reaches.
extension PlaybookParser {
    /// Step ids and phase names must be unique, and a phase may not share a name with a step:
    /// `on_pass`, `on_fail` and `goto` take either, and could not tell them apart.
    mutating func checkDuplicates() {
        var firstStep: [String: Playbook.Position] = [:]
        firstStep.reserveCapacity(steps.count)
        for index in steps.indices where !steps[index].step.id.isEmpty {
            let id = steps[index].step.id
            if let first = firstStep[id] {
                error("duplicate step id '\(id)' (first used at line \(first.line)); step ids must be unique", at: steps[index].idAt)
            } else {
                firstStep[id] = steps[index].idAt
            }
        }
        var firstPhase: [String: Playbook.Position] = [:]
        for phase in phases where !phase.name.isEmpty {
            if let first = firstPhase[phase.name] {
                error("duplicate phase name '\(phase.name)' (first used at line \(first.line)); phase names must be unique", at: phase.nameAt)
            } else {
                firstPhase[phase.name] = phase.nameAt
                if let step = firstStep[phase.name] {
                    error("phase '\(phase.name)' has the same name as a step (line \(step.line)); "
                                 + "'on_pass', 'on_fail' and 'goto' could not tell them apart: rename one", at: phase.nameAt)
                }
            }
        }
    }

    /// Resolves every `on_pass`/`on_fail` to a step, a phase or `next`, reporting names that
    /// lead nowhere with a "did you mean" over step ids and phase names.
    /// - Returns: each step's successors, or `nil` when some branch leads nowhere (then
    ///   reachability would only repeat that problem).
    mutating func resolveTargets() -> [[Int]]? {
        var stepIndex: [String: Int] = [:]
        stepIndex.reserveCapacity(steps.count)
        for index in steps.indices where stepIndex[steps[index].step.id] == nil {
            stepIndex[steps[index].step.id] = index
        }
        var phaseFirstStep: [String: Int] = [:]
        for index in steps.indices {
            let name = phases[steps[index].phase].name
            if !name.isEmpty, phaseFirstStep[name] == nil { phaseFirstStep[name] = index }
        }
        let phaseNames = Set(phases.map(\.name))
        var candidates: [String]?
        var broken = false

        var edges = [[Int]](repeating: [], count: steps.count)
        for index in steps.indices {
            func resolve(_ name: String?, at position: Playbook.Position?, field: String, parser: inout PlaybookParser) -> (Playbook.Target, Int?)? {
                guard let name else { return (.next, index + 1 < parser.steps.count ? index + 1 : nil) }
                if name == "next" { return (.next, index + 1 < parser.steps.count ? index + 1 : nil) }
                if let target = stepIndex[name] { return (.step(name), target) }
                if phaseNames.contains(name) { return (.phase(name), phaseFirstStep[name]) }
                if candidates == nil { candidates = ["next"] + parser.phases.map(\.name) + parser.steps.map(\.step.id) }
                broken = true
                parser.error("'\(field)' leads to '\(name)', which is no step or phase\(Suggest.hint(for: name, in: candidates!)); "
                                    + "use 'next', a step id or a phase name", at: position)
                return nil
            }
            var targets: [Int] = []
            let (onPassName, onPassAt) = (steps[index].onPassName, steps[index].onPassAt)
            if let (target, destination) = resolve(onPassName, at: onPassAt, field: "on_pass", parser: &self) {
                steps[index].step.onPass = target
                if let destination { targets.append(destination) }
            } else if onPassAt != nil && onPassName == nil {
                // A malformed name was already reported; do not also call later steps unreachable.
                if index + 1 < steps.count { targets.append(index + 1) }
            }
            if steps[index].step.check != nil || steps[index].onFailAt != nil {
                let (onFailName, onFailAt) = (steps[index].onFailName, steps[index].onFailAt)
                if let (target, destination) = resolve(onFailName, at: onFailAt, field: "on_fail", parser: &self) {
                    steps[index].step.onFail = target
                    if let destination { targets.append(destination) }
                }
            }
            edges[index] = targets
        }
        return broken ? nil : edges
    }

    /// A step's role must be one of the playbook's `roles`, when it lists any.
    mutating func checkRoles(_ roles: [String]) {
        guard !roles.isEmpty else { return }
        for draft in steps {
            guard let role = draft.step.role, !roles.contains(role) else { continue }
            error("role '\(role)' is not one of the playbook's roles\(Suggest.hint(for: role, in: roles)) ("
                         + roles.joined(separator: ", ") + ")", at: draft.roleAt)
        }
    }

    /// Walks the graph from the first step of the first phase: a step leads to the next in
    /// order unless `on_pass` says otherwise, and a step with a check also to its `on_fail`.
    /// `goto` is the responder's escape hatch and does not count as a path.
    mutating func checkReachability(_ edges: [[Int]]?) {
        guard let edges, !steps.isEmpty else { return }
        var seen = [Bool](repeating: false, count: steps.count)
        var stack = [0]
        seen[0] = true
        while let index = stack.popLast() {
            for next in edges[index] where !seen[next] {
                seen[next] = true
                stack.append(next)
            }
        }
        guard seen.contains(false) else { return }
        var firstIndex: [String: Int] = [:]
        for index in steps.indices where firstIndex[steps[index].step.id] == nil {
            firstIndex[steps[index].step.id] = index
        }
        // A repeated id was reported as a duplicate; calling it unreachable too would be noise.
        for index in steps.indices where !seen[index] && !steps[index].step.id.isEmpty && firstIndex[steps[index].step.id] == index {
            let draft = steps[index]
            error("step '\(draft.step.id)' is unreachable: the step before it branches elsewhere and no 'on_pass'/'on_fail' "
                         + "names it or its phase; link it, or remove it", at: draft.idAt)
        }
    }
}
