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

    /// Characters with a meaning in CommonMark or GitHub-flavoured Markdown inline text.
    static let markdownSpecial: Set<Unicode.Scalar> = ["\\", "`", "*", "_", "[", "]", "<", ">", "&", "|", "~", "#", "!", "$"]

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
        let clean = printable(text).trimmingSpaces
        var result = ""
        result.reserveCapacity(clean.utf8.count + 8)
        var leadingDigits = lineStart
        for (offset, scalar) in clean.unicodeScalars.enumerated() {
            let isDigit = scalar.value >= 0x30 && scalar.value <= 0x39
            var escape: Bool
            switch dialect {
            case .commonMark:
                escape = markdownSpecial.contains(scalar)
                if lineStart, offset == 0, scalar == "-" || scalar == "+" || scalar == "=" { escape = true }
                if leadingDigits, offset > 0, scalar == "." || scalar == ")" { escape = true }
            case .references:
                // All ASCII punctuation: the Markdown is an intermediate form, and a quote
                // that cannot appear raw cannot be mistaken for one of Ink's attributes.
                escape = isASCIIPunctuation(scalar)
            }
            if !isDigit { leadingDigits = false }
            if escape {
                switch dialect {
                case .commonMark:
                    result.append("\\")
                    result.unicodeScalars.append(scalar)
                case .references:
                    result += "&#\(scalar.value);"
                }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A user string as HTML text or attribute content.
    /// - Parameter text: the user's string.
    /// - Returns: text with `&`, `<`, `>`, `"` and `'` replaced by references.
    public static func html(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in printable(text).unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`: the characters CommonMark lets a backslash escape.
    static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension String {
    /// Without leading and trailing spaces.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
