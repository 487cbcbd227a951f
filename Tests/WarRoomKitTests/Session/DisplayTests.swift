import Foundation
import Testing
@testable import WarRoomKit

/// The shell's text helpers, which run once per timeline row: they must give what the
/// character-by-character definitions give, on any text.
@Suite struct DisplayTests {
    /// The definitions, written the obvious way.
    static func referenceFirstLine(_ text: String, limit: Int) -> String {
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let more = line.count < text.count
        if line.count > limit { return String(line.prefix(limit - 1)) + "…" }
        return more ? line + " …" : line
    }

    static func referenceSanitize(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if Display.isControl(scalar) {
                result += scalar.value == 0x7F ? "^?" : scalar.value < 0x20 ? "^" + String(Unicode.Scalar(UInt8(scalar.value + 0x40))) : "^u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static let pieces = ["a", "é", "e\u{301}", "\n", "\r\n", "\r", "\t", "\u{1B}[31m", "\u{7F}", "\u{85}", "\u{202E}", "🇫🇷", "👩‍👩‍👧", "日本", " ", "…", "\u{0}"]

    @Test func firstLineAndSanitizeAgreeWithTheirDefinitionsOnAnyText() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            let length = Int(random.next() % 40)
            var text = ""
            for _ in 0..<length { text += Self.pieces[Int(random.next() % UInt64(Self.pieces.count))] }
            for limit in [1, 5, 12, 100] {
                #expect(Display.firstLine(text, limit: limit) == Self.referenceFirstLine(text, limit: limit), "\(text.debugDescription) at \(limit)")
            }
            #expect(Display.sanitize(text) == Self.referenceSanitize(text), "\(text.debugDescription)")
            #expect(Display.width(text) == text.count, "\(text.debugDescription)")
        }
    }

    @Test func aLongLineIsCutAtTheLimit() {
        let long = String(repeating: "x", count: 1_000_000) + "\nsecond"
        #expect(Display.firstLine(long, limit: 10) == "xxxxxxxxx…")
        #expect(Display.firstLine("short\nsecond", limit: 10) == "short …")
        #expect(Display.firstLine("crlf\r\nis one character", limit: 100) == "crlf\r\nis one character")
    }
}

/// The postmortem's escaping, walked as a buffer: what the byte-by-byte definition gives.
@Suite struct SafeTextBufferTests {
    static func referenceMarkdown(_ text: String, lineStart: Bool) -> String {
        let clean = SafeText.printable(text)
        var bytes: [UInt8] = []
        var utf8 = Substring(clean).utf8
        while utf8.first == 0x20 { utf8.removeFirst() }
        while utf8.last == 0x20 { utf8.removeLast() }
        var leadingDigits = lineStart
        for (offset, byte) in utf8.enumerated() {
            let isDigit = byte >= 0x30 && byte <= 0x39
            var escape = SafeText.isMarkdownSpecial(byte)
            if lineStart, offset == 0, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "=") { escape = true }
            if leadingDigits, offset > 0, byte == UInt8(ascii: ".") || byte == UInt8(ascii: ")") { escape = true }
            if !isDigit { leadingDigits = false }
            if escape { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func markdownAndHTMLAgreeWithTheirDefinitionsOnAnyText() {
        let pieces = DisplayTests.pieces + ["1", "2.", ")", "-", "+", "=", "#", "*", "_", "`", "<", "&", "\"", "'", "|", "\u{2028}", "\u{200E}"]
        var random = SplitMix64(seed: 99)
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int(random.next() % 12) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            for lineStart in [false, true] {
                #expect(SafeText.markdown(text, lineStart: lineStart) == Self.referenceMarkdown(text, lineStart: lineStart), "\(text.debugDescription)")
            }
            let html = SafeText.printable(text).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
            #expect(SafeText.html(text) == html, "\(text.debugDescription)")
        }
    }
}
