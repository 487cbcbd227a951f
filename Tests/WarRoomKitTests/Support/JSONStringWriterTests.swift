import Foundation
import Testing
@testable import WarRoomKit

/// JSON strings are written in runs copied whole: the same bytes as escaping byte by byte.
@Suite struct JSONStringWriterTests {
    static func reference(_ value: String, html: Bool) -> [UInt8] {
        var plain: [UInt8] = [34]
        for byte in value.utf8 {
            switch byte {
            case 34: plain += [92, 34]
            case 92: plain += [92, 92]
            case 0x0A: plain += Array("\\n".utf8)
            case 0x0D: plain += Array("\\r".utf8)
            case 0x09: plain += Array("\\t".utf8)
            case 0..<0x20, 0x7F: plain += Array(String(format: "\\u%04x", Int(byte)).utf8)
            default: plain.append(byte)
            }
        }
        plain.append(34)
        guard html else { return plain }
        var out: [UInt8] = []
        var index = 0
        while index < plain.count {
            let byte = plain[index]
            switch byte {
            case UInt8(ascii: "<"): out += Array("\\u003c".utf8)
            case UInt8(ascii: ">"): out += Array("\\u003e".utf8)
            case UInt8(ascii: "&"): out += Array("\\u0026".utf8)
            case 0xE2 where index + 2 < plain.count && plain[index + 1] == 0x80 && (plain[index + 2] == 0xA8 || plain[index + 2] == 0xA9):
                out += Array((plain[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                index += 2
            default: out.append(byte)
            }
            index += 1
        }
        return out
    }

    @Test func writesWhatEscapingByteByByteWrites() {
        let pieces = DisplayTests.pieces + ["<", ">", "&", "\"", "\\", "\u{2028}", "\u{2029}", "\u{2027}", "\u{1}", "plain text "]
        var random = SplitMix64(seed: 5)
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int(random.next() % 10) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            for html in [false, true] {
                var written: [UInt8] = []
                JSONValue.writeString(text, to: &written, escapingForHTML: html)
                #expect(written == Self.reference(text, html: html), "\(text.debugDescription)")
            }
            if let parsed = try? JSONValue.parse(JSONValue.string(text).serialized()) { #expect(parsed == .string(text)) }
        }
    }
}
