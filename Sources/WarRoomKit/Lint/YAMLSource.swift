import Yams

/// A YAML file composed into Yams nodes that keep their source positions, with helpers that
/// report problems as `Diagnostic`s. Shared by the playbook and scenario loaders.
public struct YAMLSource {
    /// The file name used in diagnostics.
    public let file: String
    /// The root node, when the text parsed.
    public let root: Node?
    /// Problems found so far (syntax errors, and whatever the loader adds).
    public var diagnostics: [Diagnostic] = []

    /// Composes YAML text; syntax errors become diagnostics and leave `root` empty.
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - file: the name to report problems under.
    ///   - kind: what the file should hold (`playbook`, `scenario`), for messages.
    public init(bytes original: [UInt8], file: String, kind: String) {
        self.file = file
        // A byte-order mark is an editor's addition, not content.
        let bytes = ByteOrderMark.stripped(original)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            root = nil
            diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "the file is empty; a \(kind) is a YAML mapping" + (kind == "playbook" || kind == "scenario" ? " (see `warroom \(kind)s --help`)" : "")))
            return
        }
        if let nul = bytes.firstIndex(of: 0) {
            root = nil
            diagnostics.append(Diagnostic(file: file, line: YAMLSource.line(of: nul, in: bytes), column: 1, message: "binary data (a NUL byte at offset \(nul)); a \(kind) must be UTF-8 YAML text"))
            return
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            root = nil
            let bad = YAMLSource.firstInvalidUTF8(bytes)
            diagnostics.append(Diagnostic(file: file, line: YAMLSource.line(of: bad, in: bytes), column: 1, message: "not valid UTF-8 (byte offset \(bad)); a \(kind) must be UTF-8 YAML text"))
            return
        }
        // Counted before Yams builds anything: a file of nested aliases is refused at the alias.
        if let problem = YAMLBudget.check(bytes, file: file) {
            root = nil
            diagnostics.append(problem)
            return
        }
        do {
            // The basic resolver tags every plain scalar a string: the readers convert values
            // themselves (`Bounds`, `isNull`), and Yams' default resolver matches each scalar
            // against regular expressions (ICU's), which cost most of opening a drill.
            root = try Yams.compose(yaml: text, .basic)
            if root == nil {
                diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "the file holds no YAML document"))
            }
        } catch let error as YamlError {
            root = nil
            diagnostics.append(YAMLSource.diagnostic(for: error, file: file))
        } catch {
            root = nil
            diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "cannot parse YAML: \(error)"))
        }
    }

    /// Appends an error at `node`'s position.
    public mutating func error(_ message: String, at node: Node?) {
        let mark = node?.mark
        diagnostics.append(Diagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    /// Appends a warning at `node`'s position.
    public mutating func warning(_ message: String, at node: Node?) {
        let mark = node?.mark
        diagnostics.append(Diagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message, severity: .warning))
    }

    /// Checks a mapping's keys: unknown keys (with a "did you mean"), missing required keys.
    /// - Returns: the mapping's entries by key (first occurrence), each with its key node.
    @discardableResult
    public mutating func fields(of node: Node, in context: String, known: [String], required: [String]) -> [String: (key: Node, value: Node)] {
        guard case .mapping(let mapping) = node else {
            error("\(context) must be a mapping (key: value)", at: node)
            return [:]
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            if result[name] != nil {
                error("duplicate key '\(name)' in \(context)", at: key)
                continue
            }
            result[name] = (key, value)
            if !known.contains(name) {
                error("unknown field '\(name)' in \(context)\(Suggest.hint(for: name, in: known))", at: key)
            }
        }
        for name in required where result[name] == nil {
            error("missing required field '\(name)' in \(context)", at: node)
        }
        return result
    }

    /// The string of a scalar node, or an error when it is not a scalar.
    public mutating func string(_ node: Node, field: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error("'\(field)' must be a single value", at: node)
            return nil
        }
        return scalar.string
    }

    /// A number from a scalar node.
    public mutating func number(_ node: Node, field: String) -> Double? {
        guard let text = string(node, field: field) else { return nil }
        guard let value = Bounds.decimal(text.removingUnderscores()) else {
            error("'\(field)' must be a number, not '\(text)'", at: node)
            return nil
        }
        return value
    }

    /// An integer from a scalar node.
    public mutating func integer(_ node: Node, field: String) -> Int? {
        guard let text = string(node, field: field) else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            error("'\(field)' must be a whole number, not '\(text)'", at: node)
            return nil
        }
        return value
    }

    /// A duration (`90s`, `5m`, `2h`, `35ms`) in milliseconds from a scalar node.
    public mutating func duration(_ node: Node, field: String) -> Double? {
        guard let text = string(node, field: field) else { return nil }
        guard let value = DurationText.milliseconds(text) else {
            error("'\(field)' is not a duration: '\(text)' (use a number and a unit: 500ms, 90s, 5m, 2h)", at: node)
            return nil
        }
        return value
    }

    /// The items of a sequence node, or an error when it is not a sequence.
    public mutating func items(_ node: Node, field: String) -> [Node] {
        guard case .sequence(let sequence) = node else {
            error("'\(field)' must be a list", at: node)
            return []
        }
        return Array(sequence)
    }

    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text): " } ?? ""
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(prefix)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(file: file, line: context.mark.line, column: context.mark.column,
                              message: "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in \(context.text)")
        case .reader(let problem, let offset, _, _):
            return Diagnostic(file: file, line: 1, column: 1, message: "YAML reader: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            return Diagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        1 + bytes[..<min(offset, bytes.count)].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
            guard length > 0, i + length <= bytes.count else { return i }
            for k in 1..<length where bytes[i + k] >> 6 != 0b10 { return i }
            i += length
        }
        return i
    }
}
