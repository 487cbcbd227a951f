import Testing
@testable import WarRoomKit

/// The typed readers of the payloads read most: what each makes of the entries warroom writes,
/// and that another kind of entry is not mistaken for one.
@Suite struct PayloadReaderTests {
    static let t0 = Instant.at("03:56")

    static func entry(_ kind: EntryKind, by: String = "dana", _ data: JSONObject) -> TranscriptEntry {
        TranscriptEntry(seq: 9, at: t0, wall: t0, by: by, kind: kind, text: "", data: data)
    }

    @Test func aRollbackAndALookAreToldApart() {
        let rollback = LoadBalancerChangeRecord(entry: Self.entry(.lb, ["action": "rollback", "value": "initial", "version": 3, "from_version": 2,
                                                                      "source": "operator", "changed": true, "arguments": ["rollback", "initial"]]))
        #expect(rollback?.described == "rolled back to the initial configuration")
        #expect(rollback?.versionLabel == "v3")
        #expect(rollback?.changesConfiguration == true && rollback?.isResponderChange == true)
        #expect(rollback?.arguments == ["rollback", "initial"])
        let weight = LoadBalancerChangeRecord(entry: Self.entry(.lb, ["action": "weight", "backend": "msg-07", "value": 100, "changed": false, "source": "operator"]))
        #expect(weight?.described == "set msg-07's weight to 100")
        #expect(weight?.changesConfiguration == false && weight?.isResponderChange == false)
        let look = LoadBalancerChangeRecord(entry: Self.entry(.lb, ["action": "history"]))
        #expect(look?.changesConfiguration == false && look?.versionLabel == "change")
        // An outside change names who made it; a note is not a change.
        #expect(LoadBalancerChangeRecord(entry: Self.entry(.lb, by: "warroom", ["by": "outside warroom", "version": 4, "changed": true]))?.by == "outside warroom")
        #expect(LoadBalancerChangeRecord(entry: Self.entry(.note, ["action": "rollback"])) == nil)
    }

    @Test func stepEventsSayWhatSettledAStep() {
        let done = StepEvent(entry: Self.entry(.step, ["step": "confirm-errors", "status": "done", "next": "size-impact", "reason": ""]))
        #expect(done?.status == .done && done?.next == "size-impact" && done?.reason == nil)
        #expect(done?.settles == true && done?.described == "completed confirm-errors")
        let jumped = StepEvent(entry: Self.entry(.step, ["step": "rollback", "status": "current", "from": "read-distribution"]))
        #expect(jumped?.settles == true && jumped?.described == "went to rollback")
        let reached = StepEvent(entry: Self.entry(.step, ["step": "size-impact", "status": "current"]))
        #expect(reached?.settles == false)
        #expect(StepEvent(entry: Self.entry(.step, ["status": "done"])) == nil)
        #expect(StepEvent(entry: Self.entry(.note, ["step": "x", "status": "done"])) == nil)
    }

    @Test func aProbeReadingKeepsWhatWasUnavailableAndWhy() {
        let reading = PlaybookRecord.ProbeReading(entry: Self.entry(.probe, ["probe": "db", "metrics": [:], "unavailable": ["p99_ms"], "reason": "HAProxy has no database figures"]))
        #expect(reading?.unavailable == ["p99_ms"] && reading?.unavailableReason == "HAProxy has no database figures")
        #expect(PlaybookRecord.ProbeReading(entry: Self.entry(.probe, ["probe": "db"])) == nil)
    }
}

/// `list` and `who` say what their figures are.
@Suite struct ListingTests {
    @Test func anIncidentClosedBeforeItOpenedShowsNoNegativeDuration() {
        let t0 = Instant.at("03:40")
        let open = TranscriptEntry(seq: 1, at: t0, wall: t0, by: "dana", kind: .open, text: "x", data: ["incident": "x", "title": "Skewed"])
        let close = TranscriptEntry(seq: 2, at: t0 - 3_600_000, wall: t0, by: "omar", kind: .close, text: "Closed")
        let row = IncidentCatalog.row(entries: [open, close], file: "x") { "open" }
        #expect(row.durationMilliseconds < 0)
        let table = IncidentCatalog.render([row])
        #expect(table.contains("? (ends before it starts)") && !table.contains("-1h"), "\(table)")
    }
}
