import Testing
import WarRoomKit

/// Times written digit by digit read as the fields they are made of.
@Suite struct InstantTextTests {
    @Test func iso8601AndClockSecondsMatchTheirFields() {
        var random = SplitMix64(seed: 7)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        for _ in 0..<20_000 {
            let instant = Instant(milliseconds: Int64(random.next() % UInt64(Bounds.latest.milliseconds + 1)))
            let c = instant.components
            let year = String(repeating: "0", count: max(0, 4 - String(c.year).count)) + String(c.year)
            let millisecond = String(repeating: "0", count: 3 - String(c.millisecond).count) + String(c.millisecond)
            #expect(instant.iso8601 == "\(year)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second)).\(millisecond)Z")
            #expect(instant.clockSeconds == "\(two(c.hour)):\(two(c.minute)):\(two(c.second))Z")
            #expect(Instant.parseISO8601(instant.iso8601) == instant)
        }
    }
}
