import Testing
@testable import WarRoomKit

@Suite struct ArgumentsTests {
    @Test func takesOptionsAnywhereAndKeepsFreeText() throws {
        var arguments = Arguments("Audit  the configs --owner dana nightly --type prevent")
        #expect(try arguments.option("--owner", usage: "u") == "dana")
        #expect(try arguments.option("--type", usage: "u") == "prevent")
        #expect(arguments.rest == "Audit the configs nightly")
    }

    @Test func keepsSpacingWhenNothingIsRemoved() {
        let arguments = Arguments("  two  spaces   kept ")
        #expect(arguments.rest == "two  spaces   kept")
    }

    @Test func anOptionWithoutAValueIsAUsageError() {
        var arguments = Arguments("text --owner")
        #expect(throws: CommandError.self) { try arguments.option("--owner", usage: "action TEXT") }
    }

    @Test func resolvesTimeExpressions() throws {
        let now = try #require(Instant.parseISO8601("2023-11-05T04:00:00Z"))
        #expect(TimeExpression.resolve("03:45Z", now: now)?.iso8601 == "2023-11-05T03:45:00.000Z")
        #expect(TimeExpression.resolve("-15m", now: now)?.iso8601 == "2023-11-05T03:45:00.000Z")
        #expect(TimeExpression.resolve("2023-11-04T22:00:00Z", now: now)?.iso8601 == "2023-11-04T22:00:00.000Z")
        #expect(TimeExpression.resolve("16:30Z", now: now)?.iso8601 == "2023-11-04T16:30:00.000Z")
        #expect(TimeExpression.resolve("05:00Z", now: now)?.iso8601 == "2023-11-05T05:00:00.000Z")
        #expect(TimeExpression.resolve("25:00Z", now: now) == nil)
        #expect(TimeExpression.resolve("soon", now: now) == nil)
    }

    @Test func virtualClockMovesOnlyOnAdvanceAtSpeedZero() throws {
        let start = try #require(Instant.parseISO8601("2023-11-05T03:30:00Z"))
        let clock = IncidentClock(mode: .virtual, start: start, speed: 0, source: .fixed(start))
        #expect(clock.now == start)
        try clock.advance(by: 90_000)
        #expect(clock.now.clockSeconds == "03:31:30Z")
        #expect(throws: ClockError.self) { try clock.advance(by: -1) }
        let wall = IncidentClock(mode: .wall, start: start, speed: 1, source: .fixed(start))
        #expect(throws: ClockError.notVirtual) { try wall.advance(by: 1000) }
    }
}
