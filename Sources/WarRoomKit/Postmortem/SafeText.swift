/// Makes user-written strings (notes, hypotheses, names, anything from a transcript) safe to
/// place in a document: they can neither carry terminal escape sequences nor inject structure.
public enum SafeText {
    /// The text on one line with every control character made visible.
    ///
    /// Line breaks and tabs become spaces (a bullet stays one bullet); other C0 controls and
    /// DEL are shown in caret notation as the shell shows them (`ESC` → `^[`), C1 controls and
    /// bidirectional overrides (which can make text read differently from what it is) as
    /// `[U+202E]`.
    /// - Parameter text: what was recorded.
    /// - Returns: printable text.
    public static func printable(_ text: String) -> String {
        guard needsPrintable(text) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0x2028, 0x2029:
                result.append(" ")
            case 0x00..<0x20:
                result.append("^")
                result.append(Unicode.Scalar(UInt8(scalar.value + 0x40)))
            case 0x7F:
                result.append(contentsOf: "^?".unicodeScalars)
            case 0x80..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C:
                result.append(contentsOf: "[U+\(hex(scalar.value))]".unicodeScalars)
            default:
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Whether `printable` would change anything: a C0 control or DEL, a C1 control (0xC2
    /// 0x80–0x9F), the Arabic letter mark (0xD8 0x9C), or one of the marks of U+2000–U+206F
    /// that `printable` shows (U+200E/F, U+2028–U+202E, U+2066–U+2069: 0xE2 0x80/0x81 …).
    /// Checked on UTF-8 because it runs on every string a document shows; dashes, arrows and
    /// other punctuation of that block (`—`, `…`) pass without a second look.
    static func needsPrintable(_ text: String) -> Bool {
        text.withUTF8Buffer { needsPrintable($0) }
    }

    /// `needsPrintable` of UTF-8 bytes.
    static func needsPrintable(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var before: UInt8 = 0
        var previous: UInt8 = 0
        for byte in bytes {
            if byte < 0x20 || byte == 0x7F { return true }
            if previous == 0xC2, byte < 0xA0 { return true }
            if previous == 0xD8, byte == 0x9C { return true }
            if before == 0xE2 {
                if previous == 0x80, byte == 0x8E || byte == 0x8F || (0xA8...0xAE).contains(byte) { return true }
                if previous == 0x81, (0xA6...0xA9).contains(byte) { return true }
            }
            before = previous
            previous = byte
        }
        return false
    }

    /// Characters with a meaning in CommonMark or GitHub-flavoured Markdown inline text:
    /// `` \ ` * _ [ ] < > & | ~ # ! $ ``.
    static func isMarkdownSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\\"), UInt8(ascii: "`"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "~"), UInt8(ascii: "#"),
            UInt8(ascii: "!"), UInt8(ascii: "$"):
            return true
        default:
            return false
        }
    }

    /// A user string as Markdown inline text that renders as exactly that text.
    ///
    /// Whitespace is trimmed so the string cannot open a code block; CommonMark's special
    /// characters get a backslash.
    /// - Parameters:
    ///   - text: the user's string.
    ///   - lineStart: the string begins a line or a list item, so a leading `-`, `+`, `=` or
    ///     `1.`/`1)` is escaped too (it would start a nested list or underline a heading;
    ///     `#`, `>`, `|` and `*` are always escaped).
    /// - Returns: Markdown.
    public static func markdown(_ text: String, lineStart: Bool = false) -> String {
        let clean = printable(text)
        if isPlainMarkdown(clean, lineStart: lineStart) { return clean }
        return clean.withUTF8Buffer { all in
            var start = 0
            var end = all.count
            while start < end, all[start] == 0x20 { start += 1 }
            while end > start, all[end - 1] == 0x20 { end -= 1 }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(end - start + 16)
            var leadingDigits = lineStart
            // Runs between escapes are copied whole.
            var run = start
            for offset in 0..<(end - start) {
                let byte = all[start + offset]
                let isDigit = byte >= 0x30 && byte <= 0x39
                var escape = isMarkdownSpecial(byte)
                if lineStart, offset == 0, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "=") {
                    escape = true
                }
                if leadingDigits, offset > 0, byte == UInt8(ascii: ".") || byte == UInt8(ascii: ")") { escape = true }
                if !isDigit { leadingDigits = false }
                if escape {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: all[run..<(start + offset)]))
                    bytes.append(UInt8(ascii: "\\"))
                    run = start + offset
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: all[run..<end]))
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Whether `markdown` would return the text unchanged: no special character, no space at
    /// either end, and (at a line's start) nothing that could open a block. Checked first
    /// because most strings of a long postmortem are plain.
    static func isPlainMarkdown(_ text: String, lineStart: Bool) -> Bool {
        text.withUTF8Buffer { utf8 in
            guard let first = utf8.first, first != 0x20, utf8.last != 0x20 else { return utf8.isEmpty }
            if lineStart, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: "=") || (first >= 0x30 && first <= 0x39) {
                return false
            }
            return !utf8.contains(where: isMarkdownSpecial)
        }
    }

    /// Appends `markdown(text)` for UTF-8 `text` to `output`, keeping a space at either end
    /// as a run that follows or precedes another does: the full timeline's lines, hundreds of
    /// thousands in a long incident, escaped without a string made for each.
    static func appendMarkdown(_ text: UnsafeBufferPointer<UInt8>, keepingSpaces: Bool, to output: inout [UInt8]) {
        // Spaces at either end are kept as characters: a space that begins or ends a longer
        // character (a combining mark after it, a prepended mark before it) is none, which
        // the string path works out. A space before ASCII or an em dash is always one.
        let ambiguousStart = text.count > 1 && text[0] == 0x20 && text[1] >= 0x80
            && !(text.count > 3 && text[1] == 0xE2 && text[2] == 0x80 && text[3] == 0x94)
        if needsPrintable(text) || (keepingSpaces && (ambiguousStart || text.last == 0x20)) {
            var line = String(decoding: text, as: UTF8.self)
            let leading = keepingSpaces && line.first == " "
            let trailing = keepingSpaces && text.count > 1 && line.last == " "
            line = markdown(line)
            if leading { output.append(0x20) }
            output.append(contentsOf: line.utf8)
            if trailing { output.append(0x20) }
            return
        }
        var start = 0
        var end = text.count
        while start < end, text[start] == 0x20 { start += 1 }
        while end > start, text[end - 1] == 0x20 { end -= 1 }
        if keepingSpaces, text.first == 0x20 { output.append(0x20) }
        var run = start
        for offset in start..<end where isMarkdownSpecial(text[offset]) {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<offset]))
            output.append(UInt8(ascii: "\\"))
            run = offset
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<end]))
        if keepingSpaces, text.count > 1, text.last == 0x20 { output.append(0x20) }
    }

    /// Appends `html(text)` for UTF-8 `text` to `output`, without a string made for it.
    static func appendHTML(_ text: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        if needsPrintable(text) {
            output.append(contentsOf: html(String(decoding: text, as: UTF8.self)).utf8)
            return
        }
        var run = 0
        for offset in 0..<text.count {
            let reference: StaticString
            switch text[offset] {
            case UInt8(ascii: "&"): reference = "&amp;"
            case UInt8(ascii: "<"): reference = "&lt;"
            case UInt8(ascii: ">"): reference = "&gt;"
            case UInt8(ascii: "\""): reference = "&quot;"
            case UInt8(ascii: "'"): reference = "&#39;"
            default: continue
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<offset]))
            output.append(contentsOf: UnsafeBufferPointer(start: reference.utf8Start, count: reference.utf8CodeUnitCount))
            run = offset + 1
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: text[run...]))
    }

    /// A user string as HTML text or attribute content.
    /// - Parameter text: the user's string.
    /// - Returns: text with `&`, `<`, `>`, `"` and `'` replaced by references.
    public static func html(_ text: String) -> String {
        let clean = printable(text)
        guard clean.withUTF8Buffer({ $0.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) }) else { return clean }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(clean.utf8.count + 16)
        for byte in clean.utf8 {
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
