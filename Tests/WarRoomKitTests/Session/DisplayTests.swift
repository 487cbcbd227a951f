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
