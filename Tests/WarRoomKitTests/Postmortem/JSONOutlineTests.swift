import Testing
@testable import WarRoomKit

/// The postmortem's JSON form is written from an outline, a member at a time and a long list an
/// item at a time: the bytes must be those of the whole value printed.
@Suite struct JSONOutlineTests {
    static var outline: JSONOutline { .object([
        ("plain", .value { ["a": 1, "b": [true, .null, "x\u{1B}y"], "c": [:], "d": []] }),
        ("list", .items(count: 3, item: { index in ["n": .int(index), "nested": ["deep": [.int(index), "two"]]] })),
        ("empty_list", .items(count: 0, item: { _ in .null })),
        ("empty_object", .object([])),
        ("lessons", .object([
            ("went_well", .items(count: 2, item: { .string("lesson \($0)") })),
            ("went_wrong", .items(count: 0, item: { _ in .null })),
            ("inner", .object([("deeper", .items(count: 1, item: { _ in ["k": "v"] }))])),
        ])),
        ("last", .value { .string("end") }),
    ]) }

    @Test func writtenAPieceAtATimeIsTheValuePrinted() {
        var whole: [UInt8] = []
        Self.outline.value().writePretty(to: &whole, depth: 0, indent: 2)
        for pieceSize in [1, 7, 1 << 20] {
            var written: [UInt8] = []
            var pieces: [[UInt8]] = []
            Self.outline.write(to: &written, depth: 0) { bytes in
                guard bytes.count >= pieceSize else { return }
                pieces.append(bytes)
                bytes.removeAll()
            }
            pieces.append(written)
            #expect(Array(pieces.joined()) == whole, "pieces of \(pieceSize)")
        }
        #expect(String(decoding: whole, as: UTF8.self).contains("\"empty_list\": []"))
        #expect(String(decoding: whole, as: UTF8.self).contains("\"empty_object\": {}"))
    }

    @Test func anIncidentWithNoLessonsOrChangesPrintsTheSameBothWays() throws {
        let model = try TranscriptFixture().model()
        #expect(model.lessons.wentWell.isEmpty && model.resolution.configChanges.isEmpty)
        var pieces: [UInt8] = []
        model.writeJSON { pieces += $0 }
        #expect(String(decoding: pieces, as: UTF8.self) == model.jsonValue.prettyPrinted())
    }
}
