/// Parsing and formatting of the durations people type: `90s`, `5m`, `2h`, `1h30m`, `500ms`,
/// `0.8ms`, `1d`.
public enum DurationText {
    /// Parses a duration into milliseconds (fractions allowed: `0.8ms` is 0.8).
    ///
    /// A bare number is rejected: the unit is what tells `5` minutes from `5` seconds.
    /// - Returns: milliseconds, or `nil` when the text is not a duration.
    public static func milliseconds(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard !b.isEmpty else { return nil }
        var i = 0
        var total = 0.0
        var parts = 0
        while i < b.count {
            let start = i
            while i < b.count, (b[i] >= 48 && b[i] <= 57) || b[i] == UInt8(ascii: ".") { i += 1 }
            guard i > start, let value = Double(String(decoding: b[start..<i], as: UTF8.self)) else { return nil }
            let unitStart = i
            while i < b.count, (b[i] >= 97 && b[i] <= 122) { i += 1 }
            let unit = String(decoding: b[unitStart..<i], as: UTF8.self)
            let scale: Double
            switch unit {
            case "ms": scale = 1
            case "s": scale = 1000
            case "m", "min": scale = 60_000
            case "h": scale = 3_600_000
            case "d": scale = 86_400_000
            default: return nil
            }
            total += value * scale
            parts += 1
        }
        // Any number of digits is read, but a value no `Double` holds is not a duration.
        return parts > 0 && total.isFinite ? total : nil
    }

    /// Parses a duration in whole milliseconds (rounded), at most `Bounds.duration` (366 days).
    /// - Returns: milliseconds, or `nil` when the text is not a duration or is longer; use
    ///   `Bounds.wholeDuration(_:_:)` where the message should name the range.
    public static func wholeMilliseconds(_ text: String) -> Int64? {
        try? Bounds.wholeDuration(text, Bounds.duration)
    }

    /// `1h 05m`, `7m 30s`, `45s`, `250ms` — compact, for tables and messages.
    public static func format(milliseconds ms: Int64) -> String {
        let negative = ms < 0
        let value = abs(ms)
        let text: String
        if value < 1000 {
            text = "\(value)ms"
        } else {
            let seconds = value / 1000
            let (d, h, m, s) = (seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
            if d > 0 {
                text = "\(d)d \(h)h \(pad(Int(m), 2))m"
            } else if h > 0 {
                text = "\(h)h \(pad(Int(m), 2))m"
            } else if m > 0 {
                text = s == 0 ? "\(m)m" : "\(m)m \(pad(Int(s), 2))s"
            } else {
                text = "\(s)s"
            }
        }
        return negative ? "-" + text : text
    }

    /// `45 s`, `6 min`, `2 h 50 min`, `3 d 4 h`: a duration in prose, rounded to what a reader
    /// needs (seconds under a minute, minutes under an hour).
    public static func minutesText(_ ms: Int64) -> String {
        let negative = ms < 0
        let seconds = abs(ms) / 1000
        let text: String
        if seconds < 60 {
            text = abs(ms) < 1000 && ms != 0 ? "\(abs(ms)) ms" : "\(seconds) s"
        } else if seconds < 3600 {
            text = "\(seconds / 60) min"
        } else if seconds < 86_400 {
            let minutes = seconds / 60 % 60
            text = "\(seconds / 3600) h" + (minutes == 0 ? "" : " \(minutes) min")
        } else {
            let hours = seconds / 3600 % 24
            text = "\(seconds / 86_400) d" + (hours == 0 ? "" : " \(hours) h")
        }
        return negative ? "-" + text : text
    }

    /// `+07:45` (hours and minutes, for the prompt's elapsed time); days spill into hours.
    public static func elapsed(milliseconds ms: Int64) -> String {
        let minutes = max(0, ms) / 60_000
        return "+\(pad(Int(minutes / 60), 2)):\(pad(Int(minutes % 60), 2))"
    }
}
