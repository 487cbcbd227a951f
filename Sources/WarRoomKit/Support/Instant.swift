/// A point in time, in whole milliseconds since 1970-01-01T00:00:00Z (UTC).
///
/// The transcript stores times as ISO-8601 with milliseconds; this type formats and parses
/// that form without Foundation's date formatters, which are too slow for resuming a
/// 100,000-entry transcript.
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible, BitwiseCopyable {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(seconds: Double) {
        milliseconds = Int64((seconds * 1000).rounded())
    }

    public var seconds: Double { Double(milliseconds) / 1000 }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public static func + (lhs: Instant, rhs: Int64) -> Instant { Instant(milliseconds: lhs.milliseconds + rhs) }
    public static func - (lhs: Instant, rhs: Int64) -> Instant { Instant(milliseconds: lhs.milliseconds - rhs) }
    /// Milliseconds from `rhs` to `lhs`.
    public static func - (lhs: Instant, rhs: Instant) -> Int64 { lhs.milliseconds - rhs.milliseconds }

    public var description: String { iso8601 }

    /// Year, month, day, hour, minute, second and millisecond in UTC.
    public var components: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let (days, msOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = Instant.civil(fromDays: days)
        let ms = Int(msOfDay)
        return (year, month, day, ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }

    /// `2023-11-05T03:45:12.000Z`
    public var iso8601: String {
        let c = components
        guard (1000...9999).contains(c.year) else {
            return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(c.millisecond, 3))Z"
        }
        // Written digit by digit: every entry has two, and JSON output writes thousands.
        func digit(_ value: Int) -> UInt8 { UInt8(48 + value % 10) }
        let bytes: [UInt8] = [digit(c.year / 1000), digit(c.year / 100), digit(c.year / 10), digit(c.year), 45, digit(c.month / 10), digit(c.month), 45,
                              digit(c.day / 10), digit(c.day), 84, digit(c.hour / 10), digit(c.hour), 58, digit(c.minute / 10), digit(c.minute), 58,
                              digit(c.second / 10), digit(c.second), 46, digit(c.millisecond / 100), digit(c.millisecond / 10), digit(c.millisecond), 90]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `2023-11-05T03:45:12Z` (whole seconds).
    public var iso8601Seconds: String {
        let c = components
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))Z"
    }

    /// `03:45Z`
    public var clockMinutes: String {
        let c = components
        return "\(pad(c.hour, 2)):\(pad(c.minute, 2))Z"
    }

    /// `03:45:12Z`
    public var clockSeconds: String {
        // Written digit by digit: a timeline prints one per row.
        let c = components
        let digits: [UInt8] = [UInt8(48 + c.hour / 10), UInt8(48 + c.hour % 10), 58, UInt8(48 + c.minute / 10), UInt8(48 + c.minute % 10), 58,
                               UInt8(48 + c.second / 10), UInt8(48 + c.second % 10), 90]
        return String(decoding: digits, as: UTF8.self)
    }

    /// `clockSeconds` appended to `output`.
    func writeClockSeconds(to output: inout [UInt8]) {
        let c = components
        output.append(contentsOf: [UInt8(48 + c.hour / 10), UInt8(48 + c.hour % 10), 58, UInt8(48 + c.minute / 10), UInt8(48 + c.minute % 10), 58,
                                   UInt8(48 + c.second / 10), UInt8(48 + c.second % 10), 90])
    }

    /// `03:45` (no zone letter; for tables whose heading names the zone).
    public var hourMinute: String {
        let c = components
        return "\(pad(c.hour, 2)):\(pad(c.minute, 2))"
    }

    /// `2023-11-05`
    public var date: String {
        let c = components
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    /// Midnight UTC at the start of this instant's day.
    public var startOfDay: Instant {
        Instant(milliseconds: milliseconds.floorDivided(by: 86_400_000).quotient * 86_400_000)
    }

    /// Builds an instant from UTC calendar fields; `nil` when a field is out of range.
    public static func make(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) -> Instant? {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second), (0...999).contains(millisecond)
        else { return nil }
        guard day <= daysIn(month: month, year: year) else { return nil }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let ms = ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000 + Int64(millisecond)
        return Instant(milliseconds: ms)
    }

    /// Parses ISO-8601: `2023-11-05T03:45:12.000Z`, `2023-11-05T03:45Z`, `2023-11-05T03:45:12+01:00`,
    /// or a bare date `2023-11-05` (midnight UTC). Fraction digits beyond the third are rounded
    /// to the millisecond.
    /// - Returns: the instant, or `nil` when the text is not a time or falls outside 1970–9999
    ///   (`Bounds.years`).
    public static func parseISO8601(_ text: String) -> Instant? {
        text.withUTF8Buffer { parseISO8601(bytes: $0) }
    }

    /// `parseISO8601` on UTF-8 bytes (a transcript line's, with no string made for them).
    static func parseISO8601(bytes b: UnsafeBufferPointer<UInt8>) -> Instant? {
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for i in from..<(from + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard b.count >= 10, let year = number(0, 4), b[4] == UInt8(ascii: "-"), let month = number(5, 2),
            b[7] == UInt8(ascii: "-"), let day = number(8, 2)
        else { return nil }
        if b.count == 10 { return make(year: year, month: month, day: day).flatMap { Bounds.isRepresentable($0) ? $0 : nil } }
        guard b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "), let hour = number(11, 2), b.count > 13,
            b[13] == UInt8(ascii: ":"), let minute = number(14, 2)
        else { return nil }
        var i = 16
        var second = 0
        var millisecond = 0
        if i < b.count, b[i] == UInt8(ascii: ":") {
            guard let s = number(i + 1, 2) else { return nil }
            second = s
            i += 3
            if i < b.count, b[i] == UInt8(ascii: ".") {
                // Any number of fraction digits, rounded to the millisecond (the fourth digit
                // decides; a carry moves the time on, through 23:59:59.9995 into the next day).
                i += 1
                var digits = 0
                var fraction = 0
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    if digits < 3 {
                        fraction = fraction * 10 + Int(b[i] - 48)
                    } else if digits == 3, b[i] >= 53 {
                        fraction += 1
                    }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                if digits == 1 { fraction *= 100 } else if digits == 2 { fraction *= 10 }
                millisecond = fraction
            }
        }
        var offsetMinutes = 0
        if i == b.count {
            // No zone: times in warroom are UTC.
        } else if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            guard i + 1 == b.count else { return nil }
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "+") ? 1 : -1
            guard let oh = number(i + 1, 2) else { return nil }
            var om = 0
            if i + 3 < b.count {
                let next = b[i + 3] == UInt8(ascii: ":") ? i + 4 : i + 3
                guard let m = number(next, 2), next + 2 == b.count else { return nil }
                om = m
            } else if i + 3 != b.count {
                return nil
            }
            offsetMinutes = sign * (oh * 60 + om)
        } else {
            return nil
        }
        guard let local = make(year: year, month: month, day: day, hour: hour, minute: minute, second: second) else { return nil }
        let instant = local + Int64(millisecond) - Int64(offsetMinutes) * 60_000
        // Years 1970–9999 only: what warroom reads, it can write back in the same form.
        return Bounds.isRepresentable(instant) ? instant : nil
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days64: Int64) -> (Int, Int, Int) {
        let z = Int(days64) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

@inline(__always)
func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

extension Int64 {
    /// Floor division with a non-negative remainder.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / divisor
        var r = self % divisor
        if r < 0 {
            q -= 1
            r += divisor
        }
        return (q, r)
    }
}
