/// `YAMLSource.fields` for `PlaybookYAML` nodes: a 10,000-step playbook has some 80,000
/// fields, and looking them up by their index in a short list of known names avoids a
/// dictionary per mapping. Same checks, same messages.
extension PlaybookParser {
    /// A mapping's values, by the index of their key in a list of known field names.
    struct Fields {
        let known: [String]
        var values: [PlaybookYAML?]
        var keys: [Playbook.Position?]

        /// The value of a known field, if present.
        func value(_ name: String) -> PlaybookYAML? {
            known.firstIndex(of: name).flatMap { values[$0] }
        }

        /// The position of a present field's key.
        func key(_ name: String) -> Playbook.Position? {
            known.firstIndex(of: name).flatMap { keys[$0] }
        }

        func has(_ name: String) -> Bool {
            value(name) != nil
        }
    }

    /// Reads a mapping's fields, reporting unknown keys (with a "did you mean"), repeated keys
    /// and missing required ones.
    /// - Parameters:
    ///   - node: the mapping.
    ///   - known: the field names it may have.
    ///   - required: those it must have.
    ///   - context: names the mapping in messages (`step 'x'`); only built when there is a problem.
    /// - Returns: the fields found (all absent when `node` is not a mapping).
    mutating func fields(of node: PlaybookYAML, known: [String], required: [String], context: (Fields) -> String) -> Fields {
        var fields = Fields(known: known, values: [PlaybookYAML?](repeating: nil, count: known.count),
                            keys: [Playbook.Position?](repeating: nil, count: known.count))
        guard case .mapping(let mapping) = node.content else {
            error("\(context(fields)) must be a mapping (key: value)", at: node)
            return fields
        }
        var unknown: [(name: String, at: Playbook.Position, repeated: Bool)] = []
        for (key, value) in mapping {
            let name = key.text ?? ""
            guard let index = known.firstIndex(of: name) else {
                unknown.append((name, position(of: key), false))
                continue
            }
            if fields.values[index] != nil {
                unknown.append((name, position(of: key), true))
                continue
            }
            fields.values[index] = value
            fields.keys[index] = position(of: key)
        }
        let missing = required.filter { !fields.has($0) }
        guard !unknown.isEmpty || !missing.isEmpty else { return fields }
        let name = context(fields)
        for item in unknown {
            if item.repeated {
                error("duplicate key '\(item.name)' in \(name)", at: item.at)
            } else {
                error("unknown field '\(item.name)' in \(name)\(Suggest.hint(for: item.name, in: known))", at: item.at)
            }
        }
        for field in missing {
            error("missing required field '\(field)' in \(name)", at: position(of: node))
        }
        return fields
    }
}
