internal import CYaml

/// The most a YAML file may hold, counted while its events are read, before anything is built
/// from them: `Bounds.yamlNodes` nodes — each node an alias repeats counts again, so a file of
/// nested aliases (a "billion laughs") is refused at the alias that crosses the budget, in
/// microseconds, instead of expanding to gigabytes — and `Bounds.yamlDepth` levels of nesting.
/// Playbooks and scenarios both read through it.
struct YAMLBudget {
    /// Nodes counted so far, aliases expanded.
    private(set) var nodes = 0
    private var depth = 0
    /// Each anchor's expanded size, for the aliases that repeat it.
    private var anchorSizes: [String: Int] = [:]
    /// Collections being read: their anchor and the node count when they began.
    private var open: [(anchor: String?, start: Int)] = []

    /// A scalar; `nil`, or why the file is refused.
    mutating func scalar(anchor: String?) -> String? {
        nodes += 1
        if let anchor { anchorSizes[anchor] = 1 }
        return nodes > Bounds.yamlNodes ? tooMany() : nil
    }

    /// The start of a sequence or mapping; `nil`, or why the file is refused.
    mutating func beginCollection(anchor: String?) -> String? {
        nodes += 1
        depth += 1
        open.append((anchor, nodes - 1))
        if depth > Bounds.yamlDepth {
            return "YAML nested deeper than \(Bounds.yamlDepth) levels; no playbook or scenario is that deep"
        }
        return nodes > Bounds.yamlNodes ? tooMany() : nil
    }

    /// The end of the innermost collection.
    mutating func endCollection() {
        depth -= 1
        guard let (anchor, start) = open.popLast() else { return }
        if let anchor { anchorSizes[anchor] = nodes - start }
    }

    /// An alias: counts everything its anchor holds again. `nil`, or why the file is refused.
    mutating func alias(_ name: String) -> String? {
        nodes += anchorSizes[name] ?? 1
        guard nodes > Bounds.yamlNodes else { return nil }
        return "alias '*\(name)' expands the file past \(Bounds.yamlNodes) YAML nodes (aliases repeat what their anchor holds); write the repeated part out, or repeat it less"
    }

    private func tooMany() -> String {
        "the file holds more than \(Bounds.yamlNodes) YAML nodes; split it"
    }

    /// Reads a YAML text's events against the budget without building anything.
    /// - Returns: the first problem at its position, or `nil` when the text fits (or is not
    ///   valid YAML: the parser that follows reports that with its own words).
    static func check(_ bytes: [UInt8], file: String) -> Diagnostic? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var event = yaml_event_t()
        var budget = YAMLBudget()
        return bytes.withUnsafeBufferPointer { buffer -> Diagnostic? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                var problem: String?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    problem = budget.scalar(anchor: event.data.scalar.anchor.map { String(cString: $0) })
                case YAML_SEQUENCE_START_EVENT:
                    problem = budget.beginCollection(anchor: event.data.sequence_start.anchor.map { String(cString: $0) })
                case YAML_MAPPING_START_EVENT:
                    problem = budget.beginCollection(anchor: event.data.mapping_start.anchor.map { String(cString: $0) })
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    budget.endCollection()
                case YAML_ALIAS_EVENT:
                    problem = budget.alias(String(cString: event.data.alias.anchor))
                default:
                    break
                }
                if let problem {
                    return Diagnostic(file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1, message: problem)
                }
            }
            return nil
        }
    }
}
