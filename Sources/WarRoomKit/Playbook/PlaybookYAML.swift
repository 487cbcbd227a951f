internal import CYaml

/// A YAML node as the playbook linter needs it: text, style and position, nothing else.
///
/// Playbooks are read with libyaml's event parser into these plain values instead of Yams'
/// composed nodes. Yams gives every node a tag object, an anchor reference and duplicate-key
/// hashing; on a 10,000-step playbook that bookkeeping costs more than twice the parse itself
/// and puts linting past its 200 ms budget. Every scalar is text here: the linter types each
/// field itself (numbers, durations, names), so YAML's implicit typing is not needed.
struct PlaybookYAML {
    enum Content {
        case scalar(String, plain: Bool)
        case mapping([(key: PlaybookYAML, value: PlaybookYAML)])
        case sequence([PlaybookYAML])
    }

    var content: Content
    var position: Playbook.Position

    /// The scalar's text, if this is a scalar.
    var text: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// A plain (unquoted, not block) scalar: YAML would type it by its look.
    var isPlain: Bool {
        if case .scalar(_, let plain) = content { return plain }
        return false
    }

    var isMapping: Bool {
        if case .mapping = content { return true }
        return false
    }

    var isSequence: Bool {
        if case .sequence = content { return true }
        return false
    }

    /// What the node is, for messages: `a mapping`, `a list`, `a value`.
    var kindName: String {
        switch content {
        case .scalar: return "a value"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

extension PlaybookYAML {
    /// Reads one YAML document with the same preliminary checks and messages as
    /// `YAMLSource` (empty, binary, not UTF-8, syntax errors with their position).
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - file: the name to report problems under.
    ///   - kind: what the file should hold, for messages.
    /// - Returns: the root node, or the problem that stopped reading.
    static func read(bytes original: [UInt8], file: String, kind: String) -> Result<PlaybookYAML, ReadError> {
        // A byte-order mark is an editor's addition, not content.
        let bytes = ByteOrderMark.stripped(original)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return .failure(ReadError(file: file, line: 1, column: 1, message: "the file is empty; a \(kind) is a YAML mapping (see `warroom \(kind)s --help`)"))
        }
        if let nul = bytes.firstIndex(of: 0) {
            return .failure(ReadError(file: file, line: YAMLSource.line(of: nul, in: bytes), column: 1,
                                       message: "binary data (a NUL byte at offset \(nul)); a \(kind) must be UTF-8 YAML text"))
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            let bad = YAMLSource.firstInvalidUTF8(bytes)
            return .failure(ReadError(file: file, line: YAMLSource.line(of: bad, in: bytes), column: 1,
                                       message: "not valid UTF-8 (byte offset \(bad)); a \(kind) must be UTF-8 YAML text"))
        }
        var reader = EventReader(file: file)
        return bytes.withUnsafeBufferPointer { reader.read($0) }
    }

    /// Builds nodes from libyaml's events.
    struct EventReader {
        let file: String
        var parser = yaml_parser_t()
        var event = yaml_event_t()
        var anchors: [String: PlaybookYAML] = [:]
        /// Nodes and nesting so far, aliases expanded (a file of nested aliases is refused).
        var budget = YAMLBudget()

        init(file: String) {
            self.file = file
        }

        mutating func read(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<PlaybookYAML, ReadError> {
            guard yaml_parser_initialize(&parser) == 1 else {
                return .failure(ReadError(file: file, line: 1, column: 1, message: "cannot start the YAML parser (out of memory)"))
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            defer { yaml_event_delete(&event) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            do {
                try expect(YAML_STREAM_START_EVENT)
                let first = try next()
                guard first == YAML_DOCUMENT_START_EVENT else {
                    return .failure(ReadError(file: file, line: 1, column: 1, message: "the file holds no YAML document"))
                }
                let root = try node(from: try next())
                try expect(YAML_DOCUMENT_END_EVENT)
                if try next() == YAML_DOCUMENT_START_EVENT {
                    let mark = position(event.start_mark)
                    return .failure(ReadError(file: file, line: mark.line, column: mark.column,
                                               message: "YAML syntax: more than one document (a second '---'); a file holds one"))
                }
                return .success(root)
            } catch let problem as ReadError {
                return .failure(problem)
            } catch {
                return .failure(ReadError(file: file, line: 1, column: 1, message: "cannot parse YAML: \(error)"))
            }
        }

        /// Reads the next event and returns its type; the event stays in `event` until the next call.
        mutating func next() throws -> yaml_event_type_t {
            yaml_event_delete(&event)
            guard yaml_parser_parse(&parser, &event) == 1 else { throw syntaxError() }
            return event.type
        }

        mutating func expect(_ type: yaml_event_type_t) throws {
            let found = try next()
            guard found == type else {
                let at = position(event.start_mark)
                throw ReadError(file: file, line: at.line, column: at.column, message: "YAML syntax: unexpected content")
            }
        }

        /// The node starting at the current event (of type `type`).
        mutating func node(from type: yaml_event_type_t) throws -> PlaybookYAML {
            let at = position(event.start_mark)
            switch type {
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let node = PlaybookYAML(content: .scalar(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE), position: at)
                let anchor = scalar.anchor.map { String(cString: $0) }
                try spend(budget.scalar(anchor: anchor), at: at)
                if let anchor { anchors[anchor] = node }
                return node
            case YAML_SEQUENCE_START_EVENT:
                let anchor = event.data.sequence_start.anchor.map { String(cString: $0) }
                try spend(budget.beginCollection(anchor: anchor), at: at)
                var items: [PlaybookYAML] = []
                while true {
                    let type = try next()
                    if type == YAML_SEQUENCE_END_EVENT { break }
                    items.append(try node(from: type))
                }
                budget.endCollection()
                let node = PlaybookYAML(content: .sequence(items), position: at)
                if let anchor { anchors[anchor] = node }
                return node
            case YAML_MAPPING_START_EVENT:
                let anchor = event.data.mapping_start.anchor.map { String(cString: $0) }
                try spend(budget.beginCollection(anchor: anchor), at: at)
                var pairs: [(key: PlaybookYAML, value: PlaybookYAML)] = []
                while true {
                    let type = try next()
                    if type == YAML_MAPPING_END_EVENT { break }
                    let key = try node(from: type)
                    let value = try node(from: try next())
                    pairs.append((key, value))
                }
                budget.endCollection()
                let node = PlaybookYAML(content: .mapping(pairs), position: at)
                if let anchor { anchors[anchor] = node }
                return node
            case YAML_ALIAS_EVENT:
                let name = String(cString: event.data.alias.anchor)
                guard var target = anchors[name] else {
                    throw ReadError(file: file, line: at.line, column: at.column,
                                    message: "YAML syntax: '*\(name)' refers to no anchor '&\(name)' defined above")
                }
                try spend(budget.alias(name), at: at)
                target.position = at
                return target
            default:
                throw ReadError(file: file, line: at.line, column: at.column, message: "YAML syntax: unexpected content")
            }
        }

        /// Stops reading when the budget says the file is too large or too deep.
        func spend(_ problem: String?, at: Playbook.Position) throws {
            if let problem { throw ReadError(file: file, line: at.line, column: at.column, message: problem) }
        }

        /// libyaml's problem as YAMLSource words it: `YAML syntax: <context>: <problem>` at the problem.
        func syntaxError() -> ReadError {
            let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
            if parser.error == YAML_READER_ERROR {
                return ReadError(file: file, line: 1, column: 1, message: "YAML reader: \(problem) at byte \(parser.problem_offset)")
            }
            let context = parser.context.map { "\(String(cString: $0)): " } ?? ""
            let at = position(parser.problem_mark)
            return ReadError(file: file, line: at.line, column: at.column, message: "YAML syntax: \(context)\(problem)")
        }

        func position(_ mark: yaml_mark_t) -> Playbook.Position {
            Playbook.Position(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        }
    }
}

extension PlaybookYAML {
    /// The problem that stopped a YAML file from being read.
    struct ReadError: Error {
        var diagnostic: Diagnostic

        init(file: String, line: Int, column: Int, message: String) {
            diagnostic = Diagnostic(file: file, line: line, column: column, message: message)
        }
    }
}
