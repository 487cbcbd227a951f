import Foundation

/// Plain-text building blocks for probe and `lb` output: aligned tables, units, bars and
/// sparklines. No escape codes: the same text goes to the terminal and the transcript.
public enum TextFormat {
    /// `5.9%` (one decimal; two below 1%, so 0.05% does not read as 0.1%).
    public static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        if value != 0, abs(value) < 1 { return String(format: "%.2f%%", value) }
        return String(format: "%.1f%%", value)
    }

    /// `122 ms`, `0.8 ms`, `3.0 s`.
    public static func milliseconds(_ ms: Double) -> String {
        if ms >= 10_000 { return String(format: "%.1f s", ms / 1000) }
        if ms < 10 { return String(format: "%.1f ms", ms) }
        return "\(Int(ms.rounded())) ms"
    }

    /// `9,000` — whole numbers with thousands separators.
    public static func count(_ value: Double) -> String {
        let whole = Int(value.rounded())
        let digits = String(abs(whole))
        var out = ""
        for (k, c) in digits.enumerated() {
            if k > 0, (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return whole < 0 ? "-" + out : out
    }

    /// `9,000 req/s`
    public static func rate(_ value: Double) -> String { "\(count(value)) req/s" }

    static let eighths: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// A horizontal bar of `fraction` × `width` cells in eighths (`███▍`).
    public static func bar(_ fraction: Double, width: Int = 20) -> String {
        let cells = max(0, min(1, fraction.isFinite ? fraction : 0)) * Double(width)
        let whole = Int(cells)
        let rest = Int(((cells - Double(whole)) * 8).rounded(.down))
        var text = String(repeating: "█", count: whole)
        if rest > 0, whole < width { text.append(eighths[rest]) }
        return text
    }

    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// A sparkline of `values`, scaled from 0 to `maximum` (the largest value when not given).
    public static func sparkline(_ values: [Double], maximum: Double? = nil) -> String {
        let top = maximum ?? values.max() ?? 0
        return String(values.map { value -> Character in
            guard top > 0 else { return levels[0] }
            let level = Int((max(0, value) / top * 7).rounded())
            return levels[min(7, level)]
        })
    }

    /// Column alignment in `table`.
    public enum Alignment: Sendable {
        case left
        case right
    }

    /// Rows aligned in columns separated by two spaces; trailing spaces trimmed.
    /// - Parameters:
    ///   - header: the column titles.
    ///   - rows: the cells, row by row.
    ///   - alignments: per column (left when missing).
    public static func table(header: [String], rows: [[String]], alignments: [Alignment] = []) -> String {
        let columns = max(header.count, rows.map(\.count).max() ?? 0)
        var widths = [Int](repeating: 0, count: columns)
        for row in [header] + rows {
            for (k, cell) in row.enumerated() { widths[k] = max(widths[k], cell.count) }
        }
        func line(_ row: [String]) -> String {
            var parts: [String] = []
            for k in 0..<columns {
                let cell = k < row.count ? row[k] : ""
                let padding = String(repeating: " ", count: widths[k] - cell.count)
                let alignment = k < alignments.count ? alignments[k] : .left
                parts.append(alignment == .right ? padding + cell : cell + padding)
            }
            var text = parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

extension TextFormat {
    /// A table whose runs of three or more consecutive rows that are alike apart from their
    /// first cell (the server's name) are shown as one row named `first…last (n)`, unless `all`.
    /// Alike: every other cell equal, or a figure within 5% of the run's first (shown as the
    /// run's range, `2.6–2.7%`), or a bar within an eighth of a block. An aggregate row (`all`)
    /// is never folded into the servers.
    /// - Parameters:
    ///   - header: the column titles.
    ///   - rows: the cells, row by row; the first cell names the row.
    ///   - alignments: per column.
    ///   - all: list every row (`--all`).
    /// - Returns: the table, and how many rows were folded into others (0 when none were).
    public static func collapsedTable(header: [String], rows: [[String]], alignments: [Alignment] = [], all: Bool) -> (text: String, folded: Int) {
        guard !all else { return (table(header: header, rows: rows, alignments: alignments), 0) }
        var shown: [[String]] = []
        var folded = 0
        var start = 0
        while start < rows.count {
            var end = start + 1
            if !isAggregate(rows[start]) {
                while end < rows.count, !isAggregate(rows[end]), alike(rows[end], rows[start]) { end += 1 }
            }
            let run = end - start
            if run >= 3, let first = rows[start].first, let last = rows[end - 1].first {
                shown.append(["\(first)…\(last) (\(run))"] + merged(rows[start..<end]))
                folded += run - 1
            } else {
                shown.append(contentsOf: rows[start..<end])
            }
            start = end
        }
        return (table(header: header, rows: shown, alignments: alignments), folded)
    }

    /// A row that sums the others (`all`, `total`): it stands apart.
    static func isAggregate(_ row: [String]) -> Bool {
        ["all", "total", "(all)"].contains(row.first?.lowercased() ?? "")
    }

    /// Whether two rows would read the same to a responder, apart from their names.
    static func alike(_ row: [String], _ first: [String]) -> Bool {
        guard row.count == first.count else { return false }
        return zip(row.dropFirst(), first.dropFirst()).allSatisfy { a, b in
            if a == b { return true }
            if let x = figure(a), let y = figure(b), x.unit == y.unit {
                let scale = max(abs(x.value), abs(y.value))
                return scale == 0 || abs(x.value - y.value) <= 0.05 * scale
            }
            if let x = barLength(a), let y = barLength(b) { return abs(x - y) <= 1 }
            return false
        }
    }

    /// A run's cells: each the same in every row, or the range of its figures, or the first
    /// row's bar.
    static func merged(_ run: ArraySlice<[String]>) -> [String] {
        guard let first = run.first else { return [] }
        return first.indices.dropFirst().map { column in
            let cells = run.map { $0[column] }
            if Set(cells).count == 1 { return first[column] }
            let figures = cells.compactMap(figure)
            if figures.count == cells.count, let unit = figures.first?.unit {
                let values = figures.map(\.value)
                let low = cells[values.firstIndex(of: values.min()!)!]
                let high = cells[values.firstIndex(of: values.max()!)!]
                let number = { (cell: String) in unit.isEmpty ? cell : String(cell.dropLast(unit.count)) }
                return "\(number(low))–\(number(high))\(unit)"
            }
            return first[column]
        }
    }

    /// `2.6%` → (2.6, "%"), `1,064` → (1064, ""), `36 ms` → (36, " ms"); `nil` for text.
    static func figure(_ cell: String) -> (value: Double, unit: String)? {
        let digits = cell.prefix { $0.isNumber || $0 == "." || $0 == "," || $0 == "-" }
        guard !digits.isEmpty, let value = Double(digits.filter { $0 != "," }) else { return nil }
        let unit = String(cell.dropFirst(digits.count))
        guard ["", "%", " ms", " req/s", "×", "s"].contains(unit) else { return nil }
        return (value, unit)
    }

    /// A bar's length in eighths of a block; `nil` for anything else.
    static func barLength(_ cell: String) -> Int? {
        guard !cell.isEmpty else { return nil }
        var eighthsCount = 0
        for character in cell {
            if character == "█" { eighthsCount += 8 } else if let index = eighths.firstIndex(of: character) { eighthsCount += index } else { return nil }
        }
        return eighthsCount
    }

    /// The line under a collapsed table.
    static func foldedNote(_ folded: Int) -> String {
        folded > 0 ? "\n(rows alike shown once as first…last (count), figures within 5% as their range; --all lists each)" : ""
    }
}
