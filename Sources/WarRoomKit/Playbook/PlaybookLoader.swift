import Foundation

/// Reads playbook files: `lint` reports every problem with its position, `load` returns a
/// `Playbook` or throws those problems.
public enum PlaybookLoader {
    /// Every problem in a playbook file, each as `file:line:column: message`, in file order.
    ///
    /// Reports YAML syntax errors, unknown fields (with a "did you mean"), missing required
    /// fields, malformed ids, duplicate step ids and phase names, branches to nothing,
    /// unreachable steps, bad durations, unknown probes, metrics, milestones and commands, and
    /// playbooks with no phases or phases with no steps. Empty and binary files get one clean
    /// message.
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - file: the name to report problems under.
    /// - Returns: the problems found; empty when the playbook is clean.
    public static func lint(bytes: [UInt8], file: String) -> [Diagnostic] {
        parse(bytes: bytes, file: file).diagnostics
    }

    /// Lints a file on disk; a file that cannot be read is one diagnostic at 1:1.
    /// - Parameter path: the file to lint (also the name problems are reported under).
    /// - Returns: the problems found; empty when the playbook is clean.
    public static func lint(path: String) -> [Diagnostic] {
        switch read(path) {
        case .success(let bytes): return lint(bytes: bytes, file: path)
        case .failure(let error): return error.diagnostics
        }
    }

    /// Loads a playbook from its bytes.
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - file: the name to report problems under, also kept as the playbook's `path`.
    /// - Returns: the playbook, with the SHA-256 of `bytes`.
    /// - Throws: `InputFileError` with every problem `lint` would report.
    public static func load(bytes: [UInt8], file: String) throws -> Playbook {
        let result = parse(bytes: bytes, file: file)
        guard result.diagnostics.isEmpty, let playbook = result.playbook else {
            throw InputFileError(result.diagnostics)
        }
        return playbook
    }

    /// Loads a playbook file.
    /// - Parameter path: the file to read.
    /// - Returns: the playbook, with its path and the SHA-256 of its bytes.
    /// - Throws: `InputFileError` when the file cannot be read or has any problem.
    public static func load(path: String) throws -> Playbook {
        switch read(path) {
        case .success(let bytes): return try load(bytes: bytes, file: path)
        case .failure(let error): throw error
        }
    }

    static func parse(bytes: [UInt8], file: String) -> (playbook: Playbook?, diagnostics: [Diagnostic]) {
        var parser = PlaybookParser(bytes: bytes, file: file)
        let playbook = parser.parse()
        let diagnostics = parser.diagnostics.enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
        return (diagnostics.isEmpty ? playbook : nil, diagnostics)
    }

    static func read(_ path: String) -> Result<[UInt8], InputFileError> {
        YAMLSource.read(path, missing: "give a playbook's path or its id (see `warroom playbooks list`)", folder: "give a playbook file (*.yaml)")
    }
}
