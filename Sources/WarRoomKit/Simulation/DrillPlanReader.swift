import Yams

/// Reads a scenario's `drill:` block (docs/DRILLS.md), every problem with its position:
///
/// ```yaml
/// drill:
///   trigger: +10m
///   par: {detect: 5m, mitigate: 45m, resolve: 8h}
///   misleading:
///     - {name: DDoS, match: [ddos, attack, flood], ruled_out_by: probe traffic, why: …}
///   confirm: probe distribution
///   fix: [lb rollback, lb set]
///   injects:
///     - {name: customer-tweets, text: …}
/// ```
enum DrillPlanReader {
    static let fields = ["trigger", "par", "misleading", "confirm", "fix", "injects"]

    static func read(_ node: Node, start: Instant?, events: [ScenarioEvent], source: inout YAMLSource) -> DrillPlan {
        let fields = source.fields(of: node, in: "drill", known: Self.fields, required: ["par"])
        var plan = DrillPlan(trigger: events.map(\.offset).min() ?? 0, par: DrillPlan.Par(), misleading: [], confirm: nil, fix: [], injects: [])
        if let node = fields["trigger"]?.value, let text = source.string(node, field: "trigger") {
            if let offset = ScenarioLoader.offset(text, start: start), offset >= 0 {
                plan.trigger = offset
            } else {
                source.error("'trigger' is when the drill breaks: +DURATION after the scenario's start (+10m) or a time after it, not '\(text)'", at: node)
            }
        } else if events.isEmpty {
            source.warning("the drill has no events and no 'trigger': par counts from the scenario's start", at: node)
        }
        if let node = fields["par"]?.value {
            let par = source.fields(of: node, in: "par", known: ["detect", "mitigate", "resolve"], required: [])
            if par.isEmpty, case .mapping = node { source.error("par names no time: give detect, mitigate and resolve (5m, 45m, 8h), each after the trigger", at: node) }
            func duration(_ key: String) -> Int64? {
                guard let node = par[key]?.value, let ms = source.duration(node, field: "par.\(key)") else { return nil }
                guard ms >= 1000, ms <= Double(SimulatedTarget.longestDrill) else {
                    source.error("par.\(key) is a time after the trigger from 1s to \(SimulatedTarget.spanText(SimulatedTarget.longestDrill)) (a drill's longest)", at: node)
                    return nil
                }
                return Int64(ms.rounded())
            }
            plan.par = DrillPlan.Par(detect: duration("detect"), mitigate: duration("mitigate"), resolve: duration("resolve"))
            let ordered = [("detect", plan.par.detect), ("mitigate", plan.par.mitigate), ("resolve", plan.par.resolve)].compactMap { name, value in value.map { (name, $0) } }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) where later.1 < earlier.1 {
                source.error("par.\(later.0) (\(DurationText.format(milliseconds: later.1))) comes before par.\(earlier.0) (\(DurationText.format(milliseconds: earlier.1)))", at: par[later.0]?.value)
            }
        }
        if let node = fields["misleading"]?.value {
            for item in source.items(node, field: "misleading") {
                let path = source.fields(of: item, in: "a misleading path", known: ["name", "match", "ruled_out_by", "why"], required: ["name", "match", "ruled_out_by"])
                guard let name = path["name"].flatMap({ source.string($0.value, field: "name") }) else { continue }
                var match: [String] = []
                if let node = path["match"]?.value {
                    if case .sequence = node {
                        match = source.items(node, field: "match").compactMap { source.string($0, field: "match") }.filter { !DrillPlan.words($0).isEmpty }
                    } else if let text = source.string(node, field: "match"), !DrillPlan.words(text).isEmpty {
                        match = [text]
                    }
                    if match.isEmpty { source.error("match lists the words that mark a hypothesis as '\(name)' (ddos, attack …)", at: node) }
                }
                guard let rule = path["ruled_out_by"], let command = source.string(rule.value, field: "ruled_out_by") else { continue }
                if checkProbe(command, at: rule.value, field: "ruled_out_by", source: &source) {
                    plan.misleading.append(DrillPlan.MisleadingPath(name: name, match: match, ruledOutBy: command,
                                                                    why: path["why"].flatMap { source.string($0.value, field: "why") }))
                }
            }
        }
        if let node = fields["confirm"]?.value, let command = source.string(node, field: "confirm"), checkProbe(command, at: node, field: "confirm", source: &source) {
            plan.confirm = command
        }
        if let node = fields["fix"]?.value {
            let items: [Node] = { if case .sequence = node { return source.items(node, field: "fix") } else { return [node] } }()
            for item in items {
                guard let command = source.string(item, field: "fix") else { continue }
                if !command.hasPrefix("lb ") { source.error("fix names the lb commands that fix it (lb rollback, lb set …), not '\(command)'", at: item); continue }
                plan.fix.append(command)
            }
        }
        if let node = fields["injects"]?.value {
            for item in source.items(node, field: "injects") {
                let inject = source.fields(of: item, in: "an inject", known: ["name", "text"], required: ["name", "text"])
                guard let nameNode = inject["name"]?.value, let name = source.string(nameNode, field: "name"),
                      let text = inject["text"].flatMap({ source.string($0.value, field: "text") }) else { continue }
                if name.isEmpty || !name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) {
                    source.error("an inject's name is lowercase letters, digits and '-' (customer-tweets), not '\(name)'", at: nameNode)
                } else if plan.injects.contains(where: { $0.name == name }) {
                    source.error("inject '\(name)' is named twice", at: nameNode)
                } else {
                    plan.injects.append(DrillPlan.Inject(name: name, text: text))
                }
            }
        }
        return plan
    }

    /// `probe KIND …` with a kind warroom has.
    static func checkProbe(_ command: String, at node: Node, field: String, source: inout YAMLSource) -> Bool {
        let words = command.split(separator: " ")
        guard words.first == "probe", words.count >= 2, ProbeKind(rawValue: String(words[1])) != nil else {
            let suggestion = words.first == "probe" && words.count >= 2 ? Suggest.hint(for: String(words[1]), in: ProbeKind.names) : ""
            source.error("\(field) is a probe (probe \(ProbeKind.names.joined(separator: "|"))), not '\(command)'\(suggestion)", at: node)
            return false
        }
        return true
    }
}
