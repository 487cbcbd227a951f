/// The times responders type: `HH:MM[:SS]Z`, a full ISO-8601 instant, or relative (`-15m`).
public enum TimeExpression {
    /// Resolves a time against the incident clock.
    /// - Parameters:
    ///   - text: `03:45Z`, `03:45:30Z`, `2023-11-05T03:45:00Z`, `-15m`, `now`.
    ///   - now: the incident clock's time; `HH:MM` means that time on `now`'s day, or the day
    ///     before when that would be more than 12 hours ahead and the day before is not earlier
    ///     than `earliest`.
    ///   - earliest: the earliest instant the time can mean (a drill's start), if any.
    /// - Returns: the instant, or `nil` when the text is not a time or the time falls outside
    ///   1970–9999 (`Bounds.years`).
    /// ` (03:40 read as UTC)` for a clock time typed without its `Z`: times are UTC, and the
    /// shell says so rather than assume it silently. Empty otherwise.
    public static func zoneNote(_ text: String) -> String {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }) else { return "" }
        return " (\(text) read as UTC: times are UTC, write \(text)Z)"
    }

    public static func resolve(_ text: String, now: Instant, earliest: Instant? = nil) -> Instant? {
        if text == "now" { return now }
        if text.hasPrefix("-"), let ms = DurationText.wholeMilliseconds(String(text.dropFirst())) {
            return Bounds.adding(-ms, to: now)
        }
        if text.hasPrefix("+") { return nil }
        if text.count >= 10, let instant = Instant.parseISO8601(text) { return instant }
        var clock = Substring(text)
        if clock.hasSuffix("Z") || clock.hasSuffix("z") { clock = clock.dropLast() }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60
        else { return nil }
        let second = parts.count == 3 ? Int(parts[2]) ?? 99 : 0
        guard second < 60 else { return nil }
        var instant = now.startOfDay + Int64(((hour * 60 + minute) * 60 + second) * 1000)
        // A clock time more than 12 hours ahead means yesterday (02:00Z typed at 23:30Z is
        // not tomorrow); one just ahead is a time later today, which callers refuse as future.
        if instant - now > 12 * 3_600_000, earliest.map({ instant - 86_400_000 >= $0 }) ?? true { instant = instant - 86_400_000 }
        return Bounds.isRepresentable(instant) ? instant : nil
    }
}
