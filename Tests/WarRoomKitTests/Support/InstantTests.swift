import Testing
@testable import WarRoomKit

@Suite struct InstantTests {
    @Test func formatsAndParsesISO8601() throws {
        let instant = try #require(Instant.parseISO8601("2023-11-05T03:45:12.345Z"))
        #expect(instant.iso8601 == "2023-11-05T03:45:12.345Z")
        #expect(instant.clockMinutes == "03:45Z")
        #expect(Instant.parseISO8601("2023-11-05T04:45:12.345+01:00") == instant)
        #expect(Instant.parseISO8601("2023-11-05")?.iso8601 == "2023-11-05T00:00:00.000Z")
        #expect(Instant.parseISO8601("1970-01-01T00:00:01Z")?.milliseconds == 1000)
    }

    @Test(arguments: ["2023-13-05T00:00Z", "2023-02-30", "yesterday", "2023-11-05T25:00Z", "2023-11-05T03:45:12Zjunk"])
    func rejectsBadTimes(_ text: String) {
        #expect(Instant.parseISO8601(text) == nil)
    }

    @Test func parsesDurations() {
        #expect(DurationText.milliseconds("90s") == 90_000)
        #expect(DurationText.milliseconds("1h30m") == 5_400_000)
        #expect(DurationText.milliseconds("0.8ms") == 0.8)
        #expect(DurationText.milliseconds("5") == nil)
        #expect(DurationText.milliseconds("-5m") == nil)
        #expect(DurationText.format(milliseconds: 5_400_000) == "1h 30m")
        #expect(DurationText.elapsed(milliseconds: 465 * 60_000) == "+07:45")
    }

    @Test func suggestsCloseWords() {
        #expect(Suggest.closest(to: "stauts", in: ["status", "steps", "show"]) == "status")
        #expect(Suggest.closest(to: "xyzzy", in: ["status", "steps"]) == nil)
    }
}
