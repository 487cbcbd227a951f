import Foundation
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

/// A long transcript's timeline is printed in two passes over the file, holding no row: the
/// same text as reading it once and keeping the rows.
@Suite struct TimelineTwoPassTests {
    static func fixture() -> TranscriptFixture {
        var t = TranscriptFixture.originalIncident()
        t.at("11:40")
        let wrong = t.note("Error rate at 13%")
        let gone = t.note("Posted in the wrong room")
        t.add(.command, text: "status", data: ["command": "status"])
        t.add(.facilitatorOnly, text: "nudge them towards the balancer", data: ["private": "whisper"])
        t.amend(wrong, "Error rate at 31%")
        t.retract(gone, "wrong room")
        return t
    }

    static func twoPasses(_ bytes: [UInt8], facilitator: Bool) throws -> (text: String, read: TranscriptStream.Outcome) {
        let path = NSTemporaryDirectory() + "warroom-timeline-\(UUID().uuidString).jsonl"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var pieces: [UInt8] = []
        let read = try TimelineView.Rows.write(fd: fd, path: path, facilitator: facilitator) { pieces += $0 }
        return (String(decoding: pieces, as: UTF8.self), read)
    }

    @Test func twoPassesPrintWhatOneDoes() throws {
        let t = Self.fixture()
        let state = IncidentState(entries: t.entries)
        for facilitator in [false, true] {
            let once = TimelineView.render(entries: t.entries, state: state, where: { $0.isVisible(to: nil, facilitator: facilitator) })
            let (twice, read) = try Self.twoPasses(t.bytes, facilitator: facilitator)
            #expect(twice == once)
            #expect(read.entryCount == t.entries.count && read.badLines.isEmpty && read.torn == nil)
            #expect(twice.contains("Error rate at 31%") && twice.contains("[retracted"))
            #expect(twice.contains("nudge them") == facilitator)
        }
    }

    @Test func aBadLineAndATornTailAreToldAndLeftOut() throws {
        let t = Self.fixture()
        var bytes = t.bytes
        let cut = bytes.count
        bytes += Array("{\"seq\":\n".utf8) + Array("{\"seq\":99,\"at\"".utf8)
        let (twice, read) = try Self.twoPasses(bytes, facilitator: false)
        #expect(read.badLines.count == 1 && read.torn != nil)
        let (clean, _) = try Self.twoPasses(Array(bytes[..<cut]), facilitator: false)
        #expect(twice == clean)
    }

    @Test func aFileThatIsNoTranscriptIsRefused() throws {
        var t = Self.fixture()
        t.entries.removeFirst()
        #expect(throws: TranscriptError.self) { try Self.twoPasses(t.bytes, facilitator: false) }
        #expect(throws: TranscriptError.self) { try Self.twoPasses([], facilitator: false) }
    }
}
