import Testing
import WarRoomKit
import WarRoomTestSupport

/// The line decoder takes the envelope's fields as it parses, with no tree for the line: it
/// must give what the decoder it replaced gives — the same entry, or the same error — on real
/// lines and on each of them damaged byte by byte.
@Suite struct LineDecoderTests {
    static func agree(_ line: [UInt8], number: Int = 1) {
        let decoded = Result { try TranscriptEntry.decode(line: line, number: number) }
        let reference = Result { try TranscriptEntry.referenceDecode(line: line, number: number) }
        switch (decoded, reference) {
        case (.success(let a), .success(let b)):
            #expect(a == b, "\(String(decoding: line, as: UTF8.self))")
        case (.failure(let a), .failure(let b)):
            #expect("\(a)" == "\(b)", "\(String(decoding: line, as: UTF8.self))")
        default:
            Issue.record("\(String(decoding: line, as: UTF8.self)): the decoder gives \(decoded), the reference \(reference)")
        }
        // Skipping the words checks them as reading them does: the same entry but its words,
        // or the same error.
        let skipping = Result { try TranscriptEntry.decode(line: line, number: number, skipsText: { _ in true }) }
        switch (skipping, reference) {
        case (.success(let a), .success(var b)):
            // Every line here names its kind before its words.
            if b.kind != .unknown {
                b.text = ""
                b.input = nil
            }
            #expect(a == b, "\(String(decoding: line, as: UTF8.self))")
        case (.failure(let a), .failure(let b)):
            #expect("\(a)" == "\(b)", "\(String(decoding: line, as: UTF8.self))")
        default:
            Issue.record("\(String(decoding: line, as: UTF8.self)): skipping the words gives \(skipping), the reference \(reference)")
        }
    }

    static let lines: [String] = {
        let bytes = (try? TranscriptLog.readBytes(path: repositoryRoot + "/Transcripts/examples/lb-misconfig-2023-11-05.jsonl")) ?? []
        return bytes.split(separator: 0x0A).prefix(60).map { String(decoding: $0, as: UTF8.self) }
    }()

    @Test func theWorkedExampleDecodesAlike() throws {
        #expect(Self.lines.count == 60)
        for line in Self.lines { Self.agree(Array(line.utf8)) }
    }

    @Test func everyDamagedLineGivesTheSameEntryOrTheSameError() {
        var random = SplitMix64(seed: 20)
        let replacements: [UInt8] = Array("{}[]\",:\\0-9eE.tfn u\t\n".utf8) + [0, 0x7F, 0xC3, 0xFF]
        for line in Self.lines.prefix(20) {
            let bytes = Array(line.utf8)
            for _ in 0..<300 {
                var damaged = bytes
                switch random.next() % 4 {
                case 0: damaged[Int(random.next() % UInt64(damaged.count))] = replacements[Int(random.next() % UInt64(replacements.count))]
                case 1: damaged.remove(at: Int(random.next() % UInt64(damaged.count)))
                case 2: damaged.insert(replacements[Int(random.next() % UInt64(replacements.count))], at: Int(random.next() % UInt64(damaged.count)))
                default: damaged = Array(damaged.prefix(Int(random.next() % UInt64(damaged.count))))
                }
                Self.agree(damaged)
            }
        }
    }

    /// A whole entry whose `at` member's value is `at`, as written.
    static func envelope(at: String) -> String {
        "{\"seq\":1,\"at\":\(at),\"wall\":\"2023-11-05T03:30:00.000Z\",\"by\":\"a\",\"kind\":\"note\",\"text\":\"x\",\"hash\":\"\(String(repeating: "a", count: 64))\"}"
    }

    @Test(arguments: [
        "", " ", "[]", "\"open\"", "{}", "{\"seq\":1}", "{\"seq\":1,\"seq\":\"two\"}", "{\"seq\":\"1\"}",
        "{\"seq\":1,\"at\":\"2023-11-05T03:30:00.000Z\",\"wall\":\"2023-11-05T03:30:00.000Z\",\"by\":\"a\",\"kind\":\"note\",\"text\":\"x\",\"hash\":\"\(String(repeating: "a", count: 64))\"} x",
        "{\"seq\":1,\"at\":\"2023-11-05T03:30:00.000Z\",\"wall\":\"2023-11-05T03:30:00.000Z\",\"by\":\"a\",\"kind\":\"future-kind\",\"data\":[1],\"text\":7,\"hash\":\"\(String(repeating: "a", count: 64))\",\"hash\":\"x\"}",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
        // Times: escaped, not a string, repeated (the first counts), cut short, not a time.
        Self.envelope(at: "\"2023\\u002d11-05T03:30:00.000Z\""), Self.envelope(at: "20231105"), Self.envelope(at: "\"2023-11-05T03:30:00.000Z\",\"at\":\"x\""),
        Self.envelope(at: "\"x\",\"at\":\"2023-11-05T03:30:00.000Z\""), Self.envelope(at: "\"2023-11-05T03:30"), Self.envelope(at: "\"2023-02-30T03:30:00Z\""),
        Self.envelope(at: "\"2023-11-05T03:30:00.0005Z\""), Self.envelope(at: "null"),
        "{\"data\":" + String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 601),
        // Keys escaped (read as the key they spell), cut short, or holding a raw control character.
        envelope(at: "\"2023-11-05T03:30:00.000Z\"").replacingOccurrences(of: "\"text\"", with: "\"te\\u0078t\""),
        envelope(at: "\"2023-11-05T03:30:00.000Z\"").replacingOccurrences(of: "\"seq\"", with: "\"s\\u0065q\""),
        "{\"se", "{\"seq\u{01}\":1}", "{\"seq\\", "{\"kind\":\"note\",\"text\":\"a\\qb\"}",
        "{\"kind\":\"note\",\"input\":\"\\ud800\\u00zz\"}", "{\"kind\":\"note\",\"text\":\"\u{01}\"}",
    ])
    func edgeCasesGiveTheSameOutcome(line: String) {
        Self.agree(Array(line.utf8))
    }
}
