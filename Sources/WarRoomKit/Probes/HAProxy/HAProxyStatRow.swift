/// One line of `show stat`: a frontend, a backend, a server or a listener.
public struct HAProxyStatRow: Sendable, Equatable {
    /// What the line describes, from HAProxy's `type` column.
    public enum Kind: Int, Sendable {
        case frontend = 0
        case backend = 1
        case server = 2
        case listener = 3
    }

    /// The fields in header order.
    public let values: [String]
    /// Column name to position, shared by every row of a table.
    let columnIndex: [String: Int]

    public init(values: [String], columnIndex: [String: Int]) {
        self.values = values
        self.columnIndex = columnIndex
    }

    /// The field under a column of the header: `nil` when this HAProxy has no such column,
    /// `""` when the column is there but empty for this row.
    public subscript(column: String) -> String? {
        guard let position = columnIndex[column] else { return nil }
        return position < values.count ? values[position] : ""
    }

    /// A counter or gauge; 0 when the column is missing or empty (HAProxy leaves counters
    /// that do not apply to a row empty).
    public func int(_ column: String) -> Int {
        guard let text = self[column], !text.isEmpty else { return 0 }
        return Int(text) ?? Int(Double(text) ?? 0)
    }

    /// A rate or fraction; 0 when the column is missing or empty.
    public func double(_ column: String) -> Double {
        guard let text = self[column], !text.isEmpty else { return 0 }
        return Double(text) ?? 0
    }

    /// `pxname`: the frontend or backend.
    public var proxy: String { self["pxname"] ?? "" }

    /// `svname`: the server's name, or `FRONTEND` / `BACKEND` for aggregate lines.
    public var name: String { self["svname"] ?? "" }

    /// The line's kind, from `type` when present, else from the aggregate names HAProxy uses.
    public var kind: Kind {
        if let type = self["type"], let number = Int(type), let kind = Kind(rawValue: number) { return kind }
        switch name {
        case "FRONTEND": return .frontend
        case "BACKEND": return .backend
        default: return .server
        }
    }
}
