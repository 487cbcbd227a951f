import Testing
@testable import WarRoomKit

/// A probe's results kept in one flat array read back as the rows they were.
@Suite struct EvidenceRowsTests {
    @Test func rowsReadBackAsRecordedWithMetricsFirstSeenLater() {
        var series = PostmortemBuilder.ProbeSeries(probe: "errors")
        let t0 = Instant(milliseconds: 1_000)
        series.append(seq: 3, at: t0, reported: ["error_rate": 0.25])
        // A metric first reported here: this row is one wider, the first stays as it was.
        series.append(seq: 5, at: Instant(milliseconds: 2_000), reported: ["users_affected": 0.1, "error_rate": 0], windowFrom: t0)
        // A metric not reported (and a value that is not a number) is no value.
        series.append(seq: 9, at: Instant(milliseconds: 3_000), reported: ["users_affected": 0.2, "note": "high"])

        #expect(series.metrics == ["error_rate", "users_affected"])
        #expect(Array(series.rows) == [
            PostmortemModel.EvidenceRow(seq: 3, at: t0, values: [0.25]),
            PostmortemModel.EvidenceRow(seq: 5, at: Instant(milliseconds: 2_000), values: [0, 0.1], windowFrom: t0),
            PostmortemModel.EvidenceRow(seq: 9, at: Instant(milliseconds: 3_000), values: [nil, 0.2]),
        ])
        #expect(series.rows.value(0, 1) == nil)
        #expect(series.rows.value(1, 0) == 0)
        #expect(series.rows.windowFrom(1) == t0)
        #expect(series.rows.windowFrom(2) == nil)

        let kept = series.rows.filter { $0 != 5 }
        #expect(Array(kept) == [series.rows[0], series.rows[2]])
        #expect(kept.windowFrom(1) == nil)
        #expect(series.rows.filter { _ in true }.elementsEqual(series.rows))
    }

    @Test func aTableOfRowsOfDifferentWidthsIsPaddedAndRanged() throws {
        var series = PostmortemBuilder.ProbeSeries(probe: "latency")
        series.append(seq: 2, at: Instant(milliseconds: 0), reported: ["p50_ms": 40])
        series.append(seq: 4, at: Instant(milliseconds: 60_000), reported: ["p50_ms": 35, "p99_ms": 900])
        let table = try #require(PostmortemBuilder.table(series))
        #expect(table.rows.map(\.values) == [[40, nil], [35, 900]])
        #expect(table.ranges == [PostmortemModel.MetricRange(name: "p50_ms", min: 35, max: 40), PostmortemModel.MetricRange(name: "p99_ms", min: 900, max: 900)])
    }

    /// A transcript that fails verification is compiled all the same, and its seqs can be out
    /// of order: a retracted result must still be left out of the evidence.
    @Test func aRetractedResultIsLeftOutWhereSeqsAreOutOfOrder() throws {
        var t = TranscriptFixture()
        let first = t.probe("errors", ["error_rate": 0.9])
        t.probe("errors", ["error_rate": 0.3])
        let last = t.probe("errors", ["error_rate": 0.5])
        // The first result moved after the last (a line moved by hand): the series' seqs are
        // no longer ascending.
        let moved = try #require(t.entries.firstIndex { $0.seq == first })
        t.entries[moved].seq = last + 10
        t.retract(last + 10, "probed the staging pool by mistake")
        let model = PostmortemModel(entries: t.entries, transcriptFile: "x.jsonl")
        let table = try #require(model.evidence.probes.first { $0.probe == "errors" })
        #expect(table.sampleCount == 2)
        #expect(table.ranges.first { $0.name == "error_rate" }?.max == 0.5)
    }
}
