import Testing
@testable import WarRoomKit

@Suite struct JSONValueTests {
    @Test func roundTripsKeepsKeyOrderAndEscapesControls() throws {
        let value: JSONValue = ["z": 1, "a": "line\n\u{1B}[31mred\u{0}", "n": 0.0005, "list": [true, nil, -3]]
        let text = value.serialized()
        #expect(text == #"{"z":1,"a":"line\n\u001b[31mred\u0000","n":0.0005,"list":[true,null,-3]}"#)
        #expect(try JSONValue.parse(text) == value)
    }

    @Test(arguments: ["", "{", "{\"a\":}", "[1,]", "\"\u{1}\"", "{\"a\":1} x", "tru"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func decodesSurrogatePairsAndUnicode() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude80 é""#) == .string("🚀 é"))
    }
}
