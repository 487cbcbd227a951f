import Testing
@testable import WarRoomKit

/// Tables at 30 or 100 servers fit a screen: rows that read the same fold into one, and a
/// fold never hides a difference a responder would act on.
@Suite struct CollapsedTableTests {
    static let header = ["BACKEND", "WEIGHT", "SHARE", "REQ/S", "BAR"]

    @Test func nearIdenticalRowsFoldWithTheirRangeAndTheOddOneOutStandsApart() {
        var rows = (1...27).map { index in
            ["msg-\(index < 10 ? "0" : "")\(index)", "25", index % 2 == 0 ? "2.6%" : "2.7%", index % 3 == 0 ? "270" : "276",
             TextFormat.bar(index % 2 == 0 ? 0.25 : 0.26)]
        }
        rows.append(["msg-28", "100", "10.2%", "1,064", TextFormat.bar(1)])
        let (text, folded) = TextFormat.collapsedTable(header: Self.header, rows: rows, all: false)
        #expect(folded == 26, "\(text)")
        #expect(text.contains("msg-01…msg-27 (27)"), "\(text)")
        #expect(text.contains("2.6–2.7%") && text.contains("270–276"), "\(text)")
        #expect(text.contains("msg-28"))
    }

    @Test func aDifferenceBeyondFivePercentOrABarBeyondAnEighthDoesNotFold() {
        let rows = [["a", "25", "2.0%", "270", "██"], ["b", "25", "2.0%", "270", "██"], ["c", "25", "2.5%", "270", "██"],
                    ["d", "25", "2.0%", "270", "██▎"]]
        #expect(TextFormat.collapsedTable(header: Self.header, rows: rows, all: false).folded == 0)
    }

    @Test func theAggregateRowIsNeverFoldedIntoTheServers() {
        let rows = [["all", "36 ms", "81 ms"], ["msg-01", "36 ms", "81 ms"], ["msg-02", "36 ms", "81 ms"], ["msg-03", "36 ms", "81 ms"]]
        let (text, folded) = TextFormat.collapsedTable(header: ["BACKEND", "P50", "P95"], rows: rows, all: false)
        #expect(folded == 2)
        #expect(text.contains("\nall ") && text.contains("msg-01…msg-03 (3)"), "\(text)")
    }
}
