import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// What the fuzz targets (`scripts/fuzz`, docs/RELIABILITY.md) found, each kept as a test of
/// the normal suite with the input that showed it, reduced.
@Suite struct FuzzFindingsTests {
    /// `transcript`: a line whose `hash` held backslashes decoded, but warroom writes `hash`
    /// without escaping (it is hex), so the entry did not read back from its own line. A hash
    /// is now 64 lowercase hex digits or the line is not an entry.
    @Test(arguments: [#"3965d0bdc\\\\749f9f67d9abbb95c3e46d2a15cc40a812c43e3a8be1fc5c5f6bf4c"#, "ABCDEF" + String(repeating: "0", count: 58), "00", ""])
    func aHashThatIsNotSixtyFourHexDigitsIsNotAnEntry(hash: String) throws {
        let line = #"{"seq":1,"at":"2023-11-05T03:30:00.000Z","wall":"2023-11-05T03:30:00.000Z","by":"dana","kind":"note","text":"x","hash":""# + hash + #""}"#
        #expect {
            try TranscriptEntry.decode(line: Array(line.utf8), number: 1)
        } throws: { error in
            (error as? TranscriptLineError)?.reason == "'hash' is not 64 lowercase hex digits"
        }
    }

    @Test func everyEntryWarroomWritesReadsBackFromItsLine() throws {
        let t0 = Instant.parseISO8601("2023-11-05T03:30:00.1234Z")!
        let draft = TranscriptEntry(seq: 0, at: t0, wall: t0, by: "d\u{1B}ana", kind: .note, input: "note \"q\" \\ \u{0}", text: "x\ny",
                                    data: ["n": 1e300, "m": -0.5, "s": "\u{7F}"])
        let (entry, line) = draft.chained(seq: 1, after: HashChain.genesis)
        let decoded = try TranscriptEntry.decode(line: line.dropLast(), number: 1)
        #expect(decoded == entry)
        #expect(try TranscriptEntry.decode(line: decoded.lineBytes(), number: 1) == decoded)
    }
}
