/// Makes user-written strings (notes, hypotheses, names, anything from a transcript) safe to
/// place in a document: they can neither carry terminal escape sequences nor inject structure.
public enum SafeText {
    /// How Markdown special characters are neutralised.
    public enum MarkdownDialect: Sendable {
        /// Backslash escapes, as CommonMark defines them: readable in the `.md` file.
        case commonMark
        /// Numeric character references (`&#42;`): for Markdown fed to Ink, whose backslash
        /// escapes cover only some characters (`\\` and `\'` survive as written), while it
        /// passes character references through to the HTML untouched.
        case references
    }

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

    /// Whether `printable` would change anything: a C0 control or DEL, or a lead byte of the
    /// C1 controls (0xC2 0x80–0x9F) or of the bidirectional and line-separator marks (0xD8 0x9C,
    /// 0xE2 0x80/0x81 …). Checked on UTF-8 because it runs on every string a document shows.
    static func needsPrintable(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7F { return true }
            if previous == 0xC2, byte < 0xA0 { return true }
            if previous == 0xD8, byte == 0x9C { return true }
            if previous == 0xE2, byte == 0x80 || byte == 0x81 { return true }
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
    /// Whitespace is trimmed so the string cannot open a code block.
    /// - Parameters:
    ///   - text: the user's string.
    ///   - dialect: backslash escapes or character references.
    ///   - lineStart: the string begins a line, so a leading `-`, `+`, `=` or `1.` is escaped
    ///     too (it would start a list or underline a heading).
    /// - Returns: Markdown.
    public static func markdown(_ text: String, dialect: MarkdownDialect = .commonMark, lineStart: Bool = false) -> String {
        let clean = printable(text)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(clean.utf8.count + 16)
        var utf8 = Substring(clean).utf8
        while utf8.first == 0x20 { utf8.removeFirst() }
        while utf8.last == 0x20 { utf8.removeLast() }
        var leadingDigits = lineStart
        var offset = 0
        for byte in utf8 {
            defer { offset += 1 }
            let isDigit = byte >= 0x30 && byte <= 0x39
            var escape: Bool
            switch dialect {
            case .commonMark:
                escape = isMarkdownSpecial(byte)
                if lineStart, offset == 0, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "=") {
                    escape = true
                }
                if leadingDigits, offset > 0, byte == UInt8(ascii: ".") || byte == UInt8(ascii: ")") { escape = true }
            case .references:
                // All ASCII punctuation: the Markdown is an intermediate form, and a quote
                // that cannot appear raw cannot be mistaken for one of Ink's attributes.
                escape = isASCIIPunctuation(byte)
            }
            if !isDigit { leadingDigits = false }
            guard escape else {
                bytes.append(byte)
                continue
            }
            switch dialect {
            case .commonMark:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case .references:
                bytes.append(contentsOf: [UInt8(ascii: "&"), UInt8(ascii: "#"), 48 + byte / 100, 48 + byte / 10 % 10, 48 + byte % 10, UInt8(ascii: ";")])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A user string as HTML text or attribute content.
    /// - Parameter text: the user's string.
    /// - Returns: text with `&`, `<`, `>`, `"` and `'` replaced by references.
    public static func html(_ text: String) -> String {
        let clean = printable(text)
        guard clean.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return clean }
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

    /// `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`: the characters CommonMark lets a backslash escape.
    static func isASCIIPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
