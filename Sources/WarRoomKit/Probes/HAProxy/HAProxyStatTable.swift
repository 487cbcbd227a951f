/// The answer to `show stat`: HAProxy's CSV, read by its header line (`# pxname,svname,…`)
/// rather than by column position, so versions that add, drop or move columns still parse.
public struct HAProxyStatTable: Sendable, Equatable {
    /// Column names in the order of the header line.
    public let columns: [String]
    /// One row per frontend, backend, server and listener, in HAProxy's order.
    public let rows: [HAProxyStatRow]

    /// Parses `show stat` output.
    ///
    /// Fields may be quoted (`"a,b"`, with `""` for a quote), as HAProxy quotes fields that
    /// contain commas; rows shorter than the header read as empty in the missing columns.
    /// - Parameter text: the CSV, header line first.
    /// - Returns: `nil` when the text does not start with a header naming `pxname` and `svname`.
    public init?(csv text: String) {
        self.init(csv: Array(text.utf8))
    }

    /// Parses `show stat` output from the bytes HAProxy sent.
    /// - Parameter bytes: the CSV, header line first.
    /// - Returns: `nil` when the bytes do not start with a header naming `pxname` and `svname`.
    public init?(csv bytes: [UInt8]) {
        var parser = CSVLineReader(bytes: bytes)
        guard bytes.starts(with: Array("# ".utf8)) else { return nil }
        parser.position = 2
        guard var header = parser.nextLine() else { return nil }
        // HAProxy ends every line with a comma, which reads as one more, empty, column.
        while header.last == "" { header.removeLast() }
        var index: [String: Int] = [:]
        for (position, name) in header.enumerated() where !name.isEmpty && index[name] == nil {
            index[name] = position
        }
        guard index["pxname"] != nil, index["svname"] != nil else { return nil }
        var rows: [HAProxyStatRow] = []
        while let fields = parser.nextLine() {
            if fields.count == 1, fields[0].isEmpty { continue }
            rows.append(HAProxyStatRow(values: fields, columnIndex: index))
        }
        columns = header
        self.rows = rows
    }

    /// The rows of one kind (servers, backends …), optionally of one proxy only.
    public func rows(of kind: HAProxyStatRow.Kind, in proxy: String? = nil) -> [HAProxyStatRow] {
        rows.filter { $0.kind == kind && (proxy == nil || $0.proxy == proxy) }
    }

    /// Backend names, in HAProxy's order.
    public var backends: [String] { rows(of: .backend).map(\.proxy) }

    /// Backend names that have at least one server, in HAProxy's order.
    public var backendsWithServers: [String] {
        let withServers = Set(rows(of: .server).map(\.proxy))
        return backends.filter(withServers.contains)
    }
}

/// Splits CSV into lines of fields, honouring quotes.
struct CSVLineReader {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The next line's fields, or `nil` at the end.
    mutating func nextLine() -> [String]? {
        guard position < bytes.count else { return nil }
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
        var fields: [String] = []
        var quoted: [UInt8] = []
        while true {
            var field: String
            if position < bytes.count, bytes[position] == quote {
                position += 1
                quoted.removeAll(keepingCapacity: true)
                while position < bytes.count {
                    if bytes[position] == quote {
                        if position + 1 < bytes.count, bytes[position + 1] == quote {
                            quoted.append(quote)
                            position += 2
                            continue
                        }
                        position += 1
                        break
                    }
                    quoted.append(bytes[position])
                    position += 1
                }
                // Anything between the closing quote and the separator is kept, as lenient readers do.
                let tail = position
                while position < bytes.count, bytes[position] != comma, bytes[position] != newline { position += 1 }
                quoted.append(contentsOf: bytes[tail..<position])
                field = String(decoding: quoted, as: UTF8.self)
            } else {
                let start = position
                while position < bytes.count, bytes[position] != comma, bytes[position] != newline { position += 1 }
                field = String(decoding: bytes[start..<position], as: UTF8.self)
            }
            // A line ending in CRLF leaves a carriage return on its last field.
            if position >= bytes.count || bytes[position] == newline, field.last == "\r" { field.removeLast() }
            fields.append(field)
            if position >= bytes.count { return fields }
            let separator = bytes[position]
            position += 1
            if separator == newline { return fields }
        }
    }
}
