/// Turns a playbook's YAML nodes into a `Playbook`, reporting every problem at the node that
/// caused it. Structural checks happen while walking the nodes; checks that need the whole
/// playbook (duplicates, branch targets, reachability, roles) run afterwards on what was
/// collected, with the nodes kept for their positions.
struct PlaybookParser {
    let file: String
    let bytes: [UInt8]
    let root: PlaybookYAML?
    /// Problems found, in the order found (the loader sorts them by position).
    var diagnostics: [Diagnostic] = []

    /// A parsed step with the positions later checks report at.
    struct StepDraft {
        var step: Playbook.Step
        var phase: Int
        var idAt: Playbook.Position
        var onPassAt: Playbook.Position?
        var onFailAt: Playbook.Position?
        var roleAt: Playbook.Position?
        var onPassName: String?
        var onFailName: String?
    }

    struct PhaseDraft {
        var name: String
        var description: String?
        var nameAt: Playbook.Position
        var position: Playbook.Position
    }

    var steps: [StepDraft] = []
    var phases: [PhaseDraft] = []

    init(bytes: [UInt8], file: String) {
        self.file = file
        self.bytes = bytes
        switch PlaybookYAML.read(bytes: bytes, file: file, kind: "playbook") {
        case .success(let root):
            self.root = root
        case .failure(let problem):
            root = nil
            diagnostics.append(problem.diagnostic)
        }
    }

    /// Walks the document; returns a playbook when the structure allowed building one (the
    /// caller discards it when any diagnostic was reported).
    mutating func parse() -> Playbook? {
        guard let root else { return nil }
        guard root.isMapping else {
            error("a playbook is a YAML mapping starting with 'playbook: ID' (see docs/PLAYBOOKS.md)", at: root)
            return nil
        }
        let fields = self.fields(of: root, known: PlaybookVocabulary.playbookFields, required: PlaybookVocabulary.playbookRequired) { _ in
            "the playbook"
        }
        let id = fields.value("playbook").flatMap { name($0, field: "playbook", allowUnderscore: false) } ?? ""
        let title = fields.value("title").flatMap { text($0, field: "title") } ?? ""
        let version = fields.value("version").flatMap { positiveInteger($0, field: "version") } ?? 0
        let description = fields.value("description").flatMap { text($0, field: "description") }
        let severity = fields.value("severity").flatMap { severityValue($0) }
        let scenario = fields.value("scenario").flatMap { name($0, field: "scenario", allowUnderscore: false) }
        let roles = fields.value("roles").map { names($0, field: "roles") } ?? []
        let statusUpdates = fields.value("status_updates").flatMap { duration($0, field: "status_updates", allowZero: false) }
        let escalation = fields.value("escalation").map { escalationRules($0) } ?? []

        if let phasesNode = fields.value("phases") {
            let items = listItems(phasesNode, field: "phases")
            if items.isEmpty, phasesNode.isSequence {
                error("the playbook has no phases; list at least one phase with its steps under 'phases:'", at: phasesNode)
            }
            for item in items { phase(item) }
        } else {
            error("the playbook has no phases; add 'phases:' with at least one phase and its steps", at: root)
        }

        checkDuplicates()
        let targets = resolveTargets()
        checkRoles(roles)
        checkReachability(targets)

        var built = phases.map { Playbook.Phase(name: $0.name, description: $0.description, steps: [], position: $0.position) }
        for draft in steps where draft.phase < built.count {
            built[draft.phase].steps.append(draft.step)
        }
        var playbook = Playbook(
            id: id, title: title, version: version, description: description, severity: severity, scenario: scenario,
            roles: roles, statusUpdateInterval: statusUpdates, escalation: escalation, phases: built,
            path: file, sha256: HashChain.sha256(bytes))
        playbook.scenarioPosition = fields.value("scenario")?.position
        return playbook
    }

    // MARK: - Sections

    mutating func escalationRules(_ node: PlaybookYAML) -> [Playbook.EscalationRule] {
        var rules: [Playbook.EscalationRule] = []
        for (index, item) in listItems(node, field: "escalation").enumerated() {
            let fields = self.fields(of: item, known: PlaybookVocabulary.escalationFields, required: PlaybookVocabulary.escalationRequired) { _ in
                "escalation rule \(index + 1)"
            }
            let after = fields.value("after").flatMap { duration($0, field: "after", allowZero: true) }
            let unless = fields.value("unless").flatMap { milestoneValue($0, field: "unless") }
            let page = fields.value("page").flatMap { text($0, field: "page") }
            let note = fields.value("note").flatMap { text($0, field: "note") }
            if let after, let page {
                rules.append(Playbook.EscalationRule(after: after, unless: unless, page: page, note: note, position: position(of: item)))
            }
        }
        return rules
    }

    mutating func phase(_ node: PlaybookYAML) {
        let fields = self.fields(of: node, known: PlaybookVocabulary.phaseFields, required: PlaybookVocabulary.phaseRequired) { fields in
            fields.value("name")?.text.map { "phase '\($0)'" } ?? "a phase"
        }
        guard let nameNode = fields.value("name"), let name = self.name(nameNode, field: "name", allowUnderscore: true) else {
            if node.isMapping, let stepsNode = fields.value("steps") {
                // Still read the steps so their own problems are reported.
                let index = phases.count
                phases.append(PhaseDraft(name: "", description: nil, nameAt: position(of: node), position: position(of: node)))
                for item in listItems(stepsNode, field: "steps") { step(item, phase: index) }
            }
            return
        }
        let index = phases.count
        phases.append(PhaseDraft(name: name, description: fields.value("description").flatMap { text($0, field: "description") },
                                 nameAt: position(of: nameNode), position: position(of: node)))
        guard let stepsNode = fields.value("steps") else { return }
        let items = listItems(stepsNode, field: "steps")
        if items.isEmpty, stepsNode.isSequence {
            error("phase '\(name)' has no steps; add at least one step or remove the phase", at: stepsNode)
        }
        for item in items { step(item, phase: index) }
    }

    mutating func step(_ node: PlaybookYAML, phase: Int) {
        guard node.isMapping else {
            error("a step must be a mapping with at least 'id' and 'title'", at: node)
            return
        }
        let fields = self.fields(of: node, known: PlaybookVocabulary.stepFields, required: PlaybookVocabulary.stepRequired) { fields in
            fields.value("id")?.text.map { "step '\($0)'" } ?? "a step"
        }
        guard let idNode = fields.value("id") else { return }
        let id = name(idNode, field: "id", allowUnderscore: true) ?? ""
        let title = fields.value("title").flatMap { text($0, field: "title") } ?? ""
        let guide = fields.value("guide").flatMap { text($0, field: "guide") }
        let run = fields.value("run").map { self.commands($0) } ?? []
        let timebox = fields.value("timebox").flatMap { duration($0, field: "timebox", allowZero: false) }
        let role = fields.value("role").flatMap { name($0, field: "role", allowUnderscore: true) }
        let milestone = fields.value("milestone").flatMap { milestoneValue($0, field: "milestone") }
        let check = fields.value("check").flatMap { checkValue($0, step: id) }
        let onPassName = fields.value("on_pass").flatMap { name($0, field: "on_pass", allowUnderscore: true, allowNext: true) }
        let onFailName = fields.value("on_fail").flatMap { name($0, field: "on_fail", allowUnderscore: true, allowNext: true) }
        if let onFailKey = fields.key("on_fail"), !fields.has("check") {
            error("'on_fail' needs a 'check' to decide when it applies; add a check, or use 'on_pass' alone", at: onFailKey)
        }
        let step = Playbook.Step(id: id, title: title, guide: guide, run: run, timebox: timebox, role: role, milestone: milestone,
                                 check: check, position: position(of: idNode))
        steps.append(StepDraft(step: step, phase: phase, idAt: step.position, onPassAt: fields.value("on_pass").map(position(of:)),
                               onFailAt: fields.value("on_fail").map(position(of:)), roleAt: fields.value("role").map(position(of:)),
                               onPassName: onPassName, onFailName: onFailName))
    }

    mutating func checkValue(_ node: PlaybookYAML, step: String) -> Playbook.Check? {
        let fields = self.fields(of: node, known: PlaybookVocabulary.checkFields, required: PlaybookVocabulary.checkRequired) { _ in
            "the check of step '\(step)'"
        }
        guard node.isMapping else { return nil }
        var probe: String?
        if let probeNode = fields.value("probe"), let kind = text(probeNode, field: "probe") {
            if PlaybookVocabulary.probes.contains(kind) {
                probe = kind
            } else {
                error("unknown probe '\(kind)'\(Suggest.hint(for: kind, in: PlaybookVocabulary.probes)); probes are "
                             + PlaybookVocabulary.probes.joined(separator: ", "), at: probeNode)
            }
        }
        var metric: String?
        if let metricNode = fields.value("metric"), let name = text(metricNode, field: "metric"), let probe {
            let known = PlaybookVocabulary.metrics[probe] ?? []
            if known.contains(name) {
                metric = name
            } else if known.isEmpty {
                error("probe '\(probe)' reports no metrics a check can use; check 'health' or 'latency' instead", at: metricNode)
            } else {
                error("unknown metric '\(name)' for probe '\(probe)'\(Suggest.hint(for: name, in: known)); '\(probe)' reports "
                             + known.joined(separator: ", "), at: metricNode)
            }
        }
        let above = fields.value("above").flatMap { number($0, field: "above") }
        let below = fields.value("below").flatMap { number($0, field: "below") }
        switch (fields.key("above"), fields.key("below")) {
        case (.some, .some(let belowKey)):
            error("a check compares with 'above' or 'below', not both; split it into two steps", at: belowKey)
            return nil
        case (nil, nil):
            error("the check of step '\(step)' needs a threshold: 'above: N' (passes when the metric is higher) or 'below: N'", at: node)
            return nil
        default:
            break
        }
        guard let probe, let metric else { return nil }
        if let above { return Playbook.Check(probe: probe, metric: metric, threshold: above, comparison: .above) }
        if let below { return Playbook.Check(probe: probe, metric: metric, threshold: below, comparison: .below) }
        return nil
    }

    mutating func commands(_ node: PlaybookYAML) -> [String] {
        var result: [String] = []
        for item in listItems(node, field: "run") {
            guard let command = text(item, field: "run") else { continue }
            if checkCommand(command, at: item) { result.append(command) }
        }
        return result
    }

    /// A suggested command must be one of warroom's own, or `!…` for the system shell.
    mutating func checkCommand(_ command: String, at node: PlaybookYAML) -> Bool {
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = words.first.map(String.init) else {
            error("an empty suggested command; write a warroom command or '!command' for the system shell", at: node)
            return false
        }
        if first.hasPrefix("!") {
            if first == "!" && words.count == 1 {
                error("'!' needs a shell command after it, like '!dig example.com'", at: node)
                return false
            }
            return true
        }
        guard PlaybookVocabulary.commands.contains(first) else {
            error("'\(first)' is not a warroom command\(Suggest.hint(for: first, in: PlaybookVocabulary.commands)); "
                         + "suggest warroom's commands (see `help`) or '!\(command)' for the system shell", at: node)
            return false
        }
        if first == "probe" {
            guard words.count > 1 else {
                error("'probe' needs a kind: " + PlaybookVocabulary.probes.joined(separator: ", "), at: node)
                return false
            }
            let kind = String(words[1])
            guard PlaybookVocabulary.probes.contains(kind) else {
                error("unknown probe '\(kind)'\(Suggest.hint(for: kind, in: PlaybookVocabulary.probes)); probes are "
                             + PlaybookVocabulary.probes.joined(separator: ", "), at: node)
                return false
            }
        }
        return true
    }

    // MARK: - Values

    /// The text of a scalar; YAML's null (`~`, `null`, nothing) counts as empty.
    mutating func text(_ node: PlaybookYAML, field: String) -> String? {
        guard let value = node.text else {
            error("'\(field)' must be a single value, not \(node.kindName)", at: node)
            return nil
        }
        if value.isEmpty || (node.isPlain && PlaybookParser.isNull(value)) {
            error("'\(field)' is empty", at: node)
            return nil
        }
        return value
    }

    /// An id, a phase name or a branch target: lowercase letters, digits and `-` (and `_`
    /// where allowed), starting with a letter or digit, and YAML text rather than a number.
    mutating func name(_ node: PlaybookYAML, field: String, allowUnderscore: Bool, allowNext: Bool = false) -> String? {
        guard let value = text(node, field: field) else { return nil }
        if node.isPlain, PlaybookParser.readsAsNonText(value) {
            error("'\(field)' must be a name, not the YAML value \(value); quote it or use letters", at: node)
            return nil
        }
        let valid = value.utf8.enumerated().allSatisfy { index, byte in
            (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
                || (index > 0 && (byte == UInt8(ascii: "-") || (allowUnderscore && byte == UInt8(ascii: "_"))))
        }
        guard valid else {
            let allowed = allowUnderscore ? "lowercase letters, digits, '-' and '_'" : "lowercase letters, digits and '-'"
            error("'\(field)' is '\(value)'; a name uses \(allowed), starting with a letter or digit (like 'check-errors')", at: node)
            return nil
        }
        if value == "next", !allowNext {
            error("'next' is reserved for 'on_pass'/'on_fail' (the following step); choose another \(field)", at: node)
            return nil
        }
        return value
    }

    mutating func names(_ node: PlaybookYAML, field: String) -> [String] {
        listItems(node, field: field).compactMap { name($0, field: field, allowUnderscore: true) }
    }

    mutating func severityValue(_ node: PlaybookYAML) -> String? {
        guard let value = text(node, field: "severity") else { return nil }
        guard PlaybookVocabulary.severities.contains(value) else {
            error("severity '\(value)' is not one of SEV-1 (highest) … SEV-5\(Suggest.hint(for: value, in: PlaybookVocabulary.severities))", at: node)
            return nil
        }
        return value
    }

    mutating func milestoneValue(_ node: PlaybookYAML, field: String) -> String? {
        guard let value = text(node, field: field) else { return nil }
        guard PlaybookVocabulary.milestones.contains(value) else {
            error("unknown milestone '\(value)'\(Suggest.hint(for: value, in: PlaybookVocabulary.milestones)); milestones are "
                         + PlaybookVocabulary.milestones.joined(separator: ", "), at: node)
            return nil
        }
        return value
    }

    mutating func duration(_ node: PlaybookYAML, field: String, allowZero: Bool) -> Int64? {
        if node.isPlain, let value = node.text, Double(value) != nil {
            error("'\(field)' is not a duration: '\(value)' has no unit (write 90s, 5m, 2h)", at: node)
            return nil
        }
        guard let text = text(node, field: field) else { return nil }
        guard PlaybookParser.isDurationText(text), let value = DurationText.milliseconds(text) else {
            error("'\(field)' is not a duration: '\(text)' (use a number and a unit: 500ms, 90s, 5m, 2h, 1h30m)", at: node)
            return nil
        }
        guard Bounds.playbookTimer.contains(value) else {
            error("'\(field)' must be \(Bounds.playbookTimer.range) (\(Bounds.playbookTimer.name)s run on the incident clock), not \(text)", at: node)
            return nil
        }
        let milliseconds = Int64(value.rounded())
        if milliseconds <= 0, !allowZero {
            error("'\(field)' must be longer than zero", at: node)
            return nil
        }
        return milliseconds
    }

    mutating func number(_ node: PlaybookYAML, field: String) -> Double? {
        if let value = node.text, !node.isPlain {
            error("'\(field)' must be a number, not the text \"\(value)\"; remove the quotes", at: node)
            return nil
        }
        guard let text = text(node, field: field) else { return nil }
        guard let value = Bounds.decimal(text.removingUnderscores()) else {
            error("'\(field)' must be a number, not '\(text)'", at: node)
            return nil
        }
        guard Bounds.threshold.contains(value) else {
            error("'\(field)' must be \(Bounds.threshold.range), not \(text)", at: node)
            return nil
        }
        return value
    }

    mutating func positiveInteger(_ node: PlaybookYAML, field: String) -> Int? {
        if let value = node.text, !node.isPlain {
            error("'\(field)' must be a whole number, not the text \"\(value)\"; remove the quotes", at: node)
            return nil
        }
        guard let text = text(node, field: field) else { return nil }
        guard let value = Int(text.filter { $0 != "_" }) else {
            error("'\(field)' must be a whole number, not '\(text)'", at: node)
            return nil
        }
        guard value >= 1 else {
            error("'\(field)' must be 1 or more", at: node)
            return nil
        }
        guard Bounds.version.contains(Double(value)) else {
            error("'\(field)' must be \(Bounds.version.range), not \(text)", at: node)
            return nil
        }
        return value
    }

    /// The items of a list; a single value where a list belongs is an error.
    mutating func listItems(_ node: PlaybookYAML, field: String) -> [PlaybookYAML] {
        if node.isPlain, let value = node.text, value.isEmpty || PlaybookParser.isNull(value) {
            error("'\(field)' is empty; give a list", at: node)
            return []
        }
        guard case .sequence(let items) = node.content else {
            error("'\(field)' must be a list", at: node)
            return []
        }
        return items
    }

    // MARK: - Helpers

    func position(of node: PlaybookYAML) -> Playbook.Position {
        node.position
    }

    /// Reports an error at a position kept from an earlier walk.
    mutating func error(_ message: String, at position: Playbook.Position?) {
        let at = position ?? Playbook.Position(line: 1, column: 1)
        diagnostics.append(Diagnostic(file: file, line: at.line, column: at.column, message: message))
    }

    /// Reports an error at a node.
    mutating func error(_ message: String, at node: PlaybookYAML) {
        error(message, at: node.position)
    }

    /// YAML's spellings of null.
    static func isNull(_ value: String) -> Bool {
        switch value {
        case "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// Plain scalars that YAML reads as numbers rather than text (`42`, `1.5`, `-3`, `1e3`).
    static func readsAsNonText(_ value: String) -> Bool {
        guard let first = value.utf8.first, (first >= 48 && first <= 57) || first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
            || first == UInt8(ascii: ".")
        else { return false }
        return Double(value) != nil
    }

    /// `90s`, `5m`, `1h30m`, `0.5s`: one or more parts, each digits, an optional fraction and
    /// a unit (the JSON Schema's pattern says the same; `DurationText` then checks the unit).
    static func isDurationText(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { isDurationText($0) }
    }

    static func isDurationText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 }
        func isLetter(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 97 && bytes[i] <= 122 }
        var i = 0
        while i < bytes.count {
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard isDigit(i) else { return false }
                while isDigit(i) { i += 1 }
            }
            guard isLetter(i) else { return false }
            while isLetter(i) { i += 1 }
        }
        return !bytes.isEmpty
    }
}
