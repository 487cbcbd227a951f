import Testing
@testable import WarRoomKit

/// `warroom timeline` hands its rows on in pieces, so a long incident's timeline is never held
/// whole as text: the pieces joined are the timeline, and each ends with a whole row.
@Suite struct TimelineRowsTests {
    static func rows(_ count: Int, last: Int? = nil) -> (TimelineView.Rows, IncidentState) {
        var rows = TimelineView.Rows(last: last)
        var state = IncidentState()
        let start = Instant(milliseconds: 1_699_155_000_000)
        for seq in 1...count {
            let entry = TranscriptEntry(seq: seq, at: Instant(milliseconds: start.milliseconds + Int64(seq) * 1_000), wall: start, by: seq % 3 == 0 ? "bob" : "alice",
                                        kind: seq == 1 ? .open : .note, text: "note \(seq): error rate at \(seq % 40)% on msg-\(seq % 27)",
                                        data: seq == 1 ? ["incident": "INC-1", "title": "Outage", "severity": "SEV-1"] : [:])
            state.apply(entry)
            rows.add(entry)
        }
        return (rows, state)
    }

    @Test func piecesJoinedAreTheTimelineAndEachEndsWithARow() {
        for (count, last) in [(1, nil), (3, nil), (5_000, nil), (5_000, 700)] as [(Int, Int?)] {
            let (rows, state) = Self.rows(count, last: last)
            var pieces: [[UInt8]] = []
            rows.renderBytes(state: state) { pieces.append($0) }
            let joined = String(decoding: Array(pieces.joined()), as: UTF8.self)
            #expect(pieces.dropLast().allSatisfy { $0.last == 0x0A && $0.count >= TextPieces.pieceSize && $0.count < TextPieces.pieceSize + 1024 })
            // A long timeline comes in several pieces.
            #expect(pieces.count > 1 || joined.utf8.count < TextPieces.pieceSize)
            #expect(count < 5_000 || last != nil || pieces.count > 1)
            // Every row once, in order, whole: no row lost, doubled or cut where a piece ends.
            let lines = joined.split(separator: "\n", omittingEmptySubsequences: false)
            let first = count - min(count, last ?? count) + 1
            #expect(lines.count == count - first + 1)
            for (line, seq) in zip(lines, first...count) {
                #expect(line.contains("  #\(seq) ") && line.hasSuffix("note \(seq): error rate at \(seq % 40)% on msg-\(seq % 27)"), "\(line)")
            }
        }
        let (empty, state) = (TimelineView.Rows(), IncidentState())
        var pieces: [[UInt8]] = []
        empty.renderBytes(state: state) { pieces.append($0) }
        #expect(pieces == [Array("(no entries)".utf8)])
    }
}
