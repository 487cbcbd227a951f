/// Every shell command, in one table: help, completion and dispatch read it.
public struct CommandTable: Sendable {
    public let specs: [CommandSpec]
    private let index: [String: Int]

    public init(_ specs: [CommandSpec]) {
        self.specs = specs
        var index: [String: Int] = [:]
        for (position, spec) in specs.enumerated() {
            for name in spec.allNames { index[name] = position }
        }
        self.index = index
    }

    /// The table the shell uses.
    public static let standard = CommandTable(
        RecordCommands.all + HypothesisCommands.all + PlaybookCommands.all + LoadBalancerCommands.all + ViewCommands.all
            + PostmortemCommands.all + SessionCommands.all + FacilitatorCommands.all)

    /// The command with this name or alias.
    public func lookup(_ name: String) -> CommandSpec? {
        index[name].map { specs[$0] }
    }

    /// Every name and alias (for completion and suggestions).
    public var allNames: [String] { specs.flatMap(\.allNames) }

    /// Candidates for the word being typed.
    /// - Parameters:
    ///   - session: for ids, steps, backends.
    ///   - line: the line up to the cursor.
    /// - Returns: the words that complete the last (partial) word of `line`.
    public func completions(for line: String, session: Session) -> [String] {
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let partial = line.hasSuffix(" ") || line.isEmpty ? "" : (words.popLast() ?? "")
        let candidates: [String]
        if words.isEmpty {
            candidates = partial.hasPrefix("!") ? [] : specs.flatMap(\.allNames) + ["?"]
        } else if let spec = lookup(words[0].lowercased()) {
            let after = Array(words.dropFirst())
            if partial.hasPrefix("-") {
                candidates = spec.options
            } else if let last = after.last, spec.options.contains(last) {
                candidates = optionValues(last, session: session)
            } else {
                candidates = spec.complete(session, after.filter { !$0.hasPrefix("--") })
            }
        } else {
            candidates = []
        }
        var seen = Set<String>()
        return candidates.filter { $0.lowercased().hasPrefix(partial.lowercased()) && seen.insert($0).inserted }.sorted()
    }

    private func optionValues(_ option: String, session: Session) -> [String] {
        switch option {
        case "--type": return ActionItem.Kind.allCases.map(\.rawValue)
        case "--owner": return session.state.responders + session.state.roles.map(\.name)
        case "--at": return ["-5m", "-15m", "-30m", "-1h"]
        default: return []
        }
    }
}
