/// Configuration changes told briefly: `weight 100 → 25 on msg-01…msg-27; state drain → ready
/// on msg-28…msg-30` instead of thirty lines, for timelines and postmortems.
public enum ConfigurationChangeSummary {
    /// Groups lines of the form `KIND NAME: FROM → TO` by kind and transition; other lines are kept.
    /// - Parameter changes: lines as `LoadBalancerConfiguration.changes(from:)` writes them.
    /// - Returns: one line.
    public static func compact(_ changes: [String]) -> String {
        groups(changes).joined(separator: "; ")
    }

    /// The same grouping, one line per group: `weight 100 → 25 on msg-01…msg-27 (27)`.
    /// - Parameter changes: lines as `LoadBalancerConfiguration.changes(from:)` writes them.
    /// - Returns: the groups in order of first appearance, then lines that are not `KIND NAME: FROM → TO`.
    public static func groups(_ changes: [String]) -> [String] {
        var groups: [(key: String, names: [String])] = []
        var others: [String] = []
        for change in changes {
            let parts = change.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let colon = parts[1].firstIndex(of: ":"), parts[1][colon...].contains("→") else {
                others.append(change)
                continue
            }
            let name = String(parts[1][..<colon])
            let key = "\(parts[0]) \(String(parts[1][parts[1].index(after: colon)...]).trimmed(of: " "))"
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].names.append(name)
            } else {
                groups.append((key, [name]))
            }
        }
        let grouped = groups.map { "\($0.key) on \(names($0.names))" }
        return grouped + others
    }

    /// `msg-01`, `msg-01, msg-04`, or `msg-01…msg-27 (27)` for a long list.
    static func names(_ names: [String]) -> String {
        if names.count <= 3 { return names.joined(separator: ", ") }
        return "\(names[0])…\(names[names.count - 1]) (\(names.count))"
    }
}
