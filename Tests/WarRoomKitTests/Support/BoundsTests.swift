import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Every number warroom reads is parsed with a checked conversion and a documented range
/// (`Bounds`): the inputs below trapped (exit 132), overflowed or were written as times warroom
/// could not read back, before the ranges were stated.
@Suite struct BoundsTests {
    @Test(arguments: [
        ("2023-11-05T03:29:00.1234Z", "2023-11-05T03:29:00.123Z"),
        ("2023-11-05T03:29:00.1235Z", "2023-11-05T03:29:00.124Z"),
        ("2023-11-05T03:29:00.123456789012345678901234567890Z", "2023-11-05T03:29:00.123Z"),
        ("2023-11-05T23:59:59.9996Z", "2023-11-06T00:00:00.000Z"),
        ("2023-11-05T03:29:00.5Z", "2023-11-05T03:29:00.500Z"),
        ("2023-11-05T03:29:00.05+01:00", "2023-11-05T02:29:00.050Z"),
    ])
    func anyNumberOfFractionDigitsIsRoundedToTheMillisecond(text: String, expected: String) {
        #expect(Instant.parseISO8601(text)?.iso8601 == expected)
    }

    @Test(arguments: [
        "0000-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:30:00+01:00", "9999-12-31T23:59:59.9996Z",
        "9999-12-31T23:00:00-01:00", "9999-12-31T23:59:60Z",
    ])
    func timesOutsideTheYears1970To9999AreRefused(text: String) {
        #expect(Instant.parseISO8601(text) == nil)
    }

    @Test func theFirstAndLastTimesReadBack() throws {
        for instant in [Bounds.earliest, Bounds.latest] {
            #expect(Instant.parseISO8601(instant.iso8601) == instant)
        }
        #expect(Bounds.latest.iso8601 == "9999-12-31T23:59:59.999Z")
        #expect(Bounds.adding(1, to: Bounds.latest) == nil)
        #expect(Bounds.adding(-1, to: Bounds.earliest) == nil)
        #expect(Bounds.adding(Int64.max, to: Bounds.latest) == nil)
    }

    @Test func relativeTimesStayInTheYears1970To9999() {
        let now = Instant.parseISO8601("2023-11-05T03:45:00Z")!
        #expect(TimeExpression.resolve("-8999999999999999ms", now: now) == nil)
        #expect(TimeExpression.resolve("-60000d", now: now) == nil)
        #expect(TimeExpression.resolve("-15m", now: now)?.iso8601 == "2023-11-05T03:30:00.000Z")
        let dawn = Instant(milliseconds: 3_600_000)
        #expect(TimeExpression.resolve("-2h", now: dawn) == nil)
        #expect(TimeExpression.resolve("23:30Z", now: dawn) == nil, "yesterday of 1970-01-01 is before 1970")
    }

    @Test func durationsAreCheckedAndBounded() throws {
        #expect(DurationText.milliseconds(String(repeating: "9", count: 400) + "h") == nil)
        #expect(DurationText.milliseconds("0.000000000000000000001ms") != nil)
        #expect(DurationText.wholeMilliseconds("9999999999999999h") == nil)
        let year: Int64 = 366 * 86_400_000
        #expect(DurationText.wholeMilliseconds("366d") == year)
        #expect(DurationText.wholeMilliseconds("367d") == nil)
        #expect(throws: BoundsError.self) { try Bounds.wholeDuration("8d", Bounds.advance) }
        #expect(try Bounds.wholeDuration("1.0005s", Bounds.advance) == 1001)
    }

    @Test(arguments: ["9000", "-3", "0.25", ".5", "5.", "1e6", "1.5E-3", "+2"])
    func decimalsAreRead(text: String) {
        #expect(Bounds.decimal(text) == Double(text))
    }

    @Test(arguments: ["0x10", "inf", "-infinity", "nan", "1e999", "", "-", "1e", "1_000", "1,5", "1.2.3", " 1"])
    func thingsThatAreNotDecimalsAreRefused(text: String) {
        #expect(Bounds.decimal(text) == nil)
    }

    @Test func aValueOutsideItsRangeIsRefusedNamingTheRange() throws {
        #expect(throws: BoundsError.self) { try Bounds.number("1e300", Bounds.rate) }
        do {
            _ = try Bounds.number("1e18", Bounds.rate)
            Issue.record("1e18 req/s was accepted")
        } catch {
            #expect(error.description == "'1e18' is out of range: a request rate must be more than 0 and at most 10000000 req/s")
        }
        #expect(try Bounds.integer("1_000", Bounds.users, underscores: true) == 1000)
        #expect(throws: BoundsError.self) { try Bounds.integer("1.5", Bounds.users) }
        #expect(throws: BoundsError.self) { try Bounds.integer("99999999999999999999999", Bounds.users) }
        #expect(Bounds.saturatingInt(1e300) == Int.max)
        #expect(Bounds.saturatingInt(-.infinity) == Int.min)
        #expect(Bounds.saturatingInt(.nan) == 0)
    }

    @Test func aTranscriptNumberTooLargeForADoubleIsNotReadAsInfinity() throws {
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"speed\":1e999}") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("-1e400") }
        #expect(try JSONValue.parse("1e300") == .number(1e300))
    }

    @Test func aFastVirtualClockStopsAtItsLimit() throws {
        // A clock at a million simulated seconds a second, read after years of real time.
        let start = Instant.parseISO8601("2023-11-05T03:30:00Z")!
        let limit = start + SimulatedTarget.longestDrill
        let real = RealSeconds()
        let clock = IncidentClock(mode: .virtual, start: start, speed: Bounds.speed.high,
                                  source: TimeSource(wallNow: { start }, monotonicSeconds: { real.now }), limit: limit)
        real.now = 2
        #expect(clock.now == start + 2_000_000_000)
        real.now = 1e9
        #expect(clock.now == limit)
        #expect(throws: ClockError.pastLimit(limit)) { try clock.advance(by: 1) }
        let atTheEnd = IncidentClock(mode: .virtual, start: Bounds.latest - 1000, speed: 0, source: .fixed(start))
        #expect(throws: ClockError.pastLimit(Bounds.latest)) { try atTheEnd.advance(by: 7 * 86_400_000) }
        try atTheEnd.advance(by: 1000)
        #expect(atTheEnd.now == Bounds.latest)
    }

    /// docs/RELIABILITY.md states every range, as `Bounds` does.
    @Test func everyBoundIsDocumented() throws {
        let doc = try String(contentsOfFile: "\(repositoryRoot)/docs/RELIABILITY.md", encoding: .utf8)
        for bound in Bounds.all {
            #expect(doc.contains("| \(bound.name) | \(bound.range) |"), "docs/RELIABILITY.md does not state \(bound)")
        }
        #expect(doc.contains("\(Bounds.yamlNodes)"))
    }
}

/// A monotonic clock a test moves by hand.
final class RealSeconds: @unchecked Sendable {
    // Unchecked: a test sets and reads it on one thread.
    var now: Double = 0
}
