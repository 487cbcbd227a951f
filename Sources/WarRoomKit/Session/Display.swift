/// Making recorded text safe to show on a terminal.
public enum Display {
    /// Replaces control characters (other than newline and tab) with caret notation (`^[`,
    /// `^@`), so an escape sequence stored in a note is shown, never executed.
    public static func sanitize(_ text: String) -> String {
        // Printable ASCII, tab and line feed need nothing, and most text is that: a byte check first.
        if allBytes(text, { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A || $0 == 0x09 }) { return text }
        var needsWork = false
        for scalar in text.unicodeScalars where isControl(scalar) {
            needsWork = true
            break
        }
        guard needsWork else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result.append("^")
                if scalar.value == 0x7F {
                    result.append("?")
                } else if scalar.value < 0x20 {
                    result.append(Unicode.Scalar(UInt8(scalar.value + 0x40)))
                } else {
                    result.append(contentsOf: "u{\(String(scalar.value, radix: 16))}".unicodeScalars)
                }
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value < 0x20 && value != 0x0A && value != 0x09) || value == 0x7F || (0x80..<0xA0).contains(value)
            || isBidiControl(value)
    }

    /// Bidirectional controls (embeddings, overrides, isolates, marks): printed raw they reorder
    /// what follows on the line, so a note could make a timeline row read other than it is.
    static func isBidiControl(_ value: UInt32) -> Bool {
        (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value) || value == 0x200E || value == 0x200F || value == 0x061C
    }

    /// The first line of a text, cut to `limit` characters with an ellipsis.
    public static func firstLine(_ text: String, limit: Int = 100) -> String {
        // The first line feed that is a character of its own (one after a carriage return is
        // part of a CR LF character, which does not end the line), found on the bytes: a
        // timeline row costs the row, not the whole note behind it.
        let offset = text.withUTF8Buffer { bytes -> Int? in
            var previous: UInt8 = 0
            for (offset, byte) in bytes.enumerated() {
                if byte == 0x0A, previous != 0x0D { return offset }
                previous = byte
            }
            return nil
        }
        let newline = offset.map { text.utf8.index(text.startIndex, offsetBy: $0) }
        let line = newline.map { text[..<$0] } ?? text[...]
        // Characters are counted only up to the limit (no more characters than bytes).
        if line.utf8.count > limit, let cut = line.index(line.startIndex, offsetBy: limit, limitedBy: line.endIndex), cut < line.endIndex {
            return String(line[..<line.index(before: cut)]) + "…"
        }
        return newline == nil ? String(line) : line + " …"
    }

    /// How many characters a cell shows: its bytes when they are ASCII (a CR LF is one), counted without
    /// grapheme breaking.
    static func width(_ text: String) -> Int {
        allBytes(text) { $0 < 0x80 && $0 != 0x0D } ? text.utf8.count : text.count
    }

    /// Whether every byte of the text's UTF-8 passes `test`, walked as a buffer.
    @inline(__always)
    static func allBytes(_ text: String, _ test: (UInt8) -> Bool) -> Bool {
        text.withUTF8Buffer { bytes in
            for byte in bytes where !test(byte) { return false }
            return true
        }
    }

    /// Pads to a display width (counting characters).
    public static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = Display.width(text)
        guard count < width else { return text }
        let padding = String(repeating: " ", count: width - count)
        return right ? padding + text : text + padding
    }

    /// Formats rows as an aligned table; the first row is the heading. Columns whose index is in
    /// `rightAligned` are aligned right (numbers).
    public static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], width(cell)) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 && !rightAligned.contains(index) ? cell : pad(cell, widths[index], right: rightAligned.contains(index))
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
