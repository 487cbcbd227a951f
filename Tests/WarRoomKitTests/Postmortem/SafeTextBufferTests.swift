import Foundation
import Testing
@testable import WarRoomKit

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
