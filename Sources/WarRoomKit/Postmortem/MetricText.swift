/// Formats probe figures for people: fractions as percentages, milliseconds with `ms`, rates
/// with `req/s`. The JSON form keeps the raw numbers; every figure shown to a person — a
/// probe's table, `timeline` and `watch`, a playbook check, the postmortem's body and
/// Appendix — goes through this one formatter.
public enum MetricText {
    /// Whether a metric is recorded as a fraction of 1 (shown as a percentage): the shares and
    /// utilisations, and every `…_rate` but the request rates (requests per second).
    public static func isFraction(_ metric: String) -> Bool {
        // Compared, not hashed: a name is a short string, and every figure shown asks.
        switch metric {
        case "error_rate", "timeout_rate", "loss", "top_source_share", "max_utilization", "users_affected", "utilization", "share": return true
        case "request_rate", "req_rate": return false
        default: return metric.hasSuffix("_share") || metric.hasSuffix("_rate")
        }
    }

    /// A metric's value with its unit, e.g. `31.2%`, `35 ms`, `9,000 req/s`, `2.41×`.
    /// - Parameters:
    ///   - value: the number as recorded.
    ///   - metric: the metric's name (`error_rate`, `p99_ms` …), which decides the unit.
    /// - Returns: the value for a table cell or a sentence.
    public static func format(_ value: Double, metric: String) -> String {
        guard value.isFinite else { return "n/a" }
        if isFraction(metric) { return percent(value) }
        if metric.hasSuffix("_ms") { return decimal(value, places: abs(value) < 10 ? 1 : 0) + " ms" }
        if metric == "request_rate" { return grouped(value) + " req/s" }
        if metric == "skew" || metric.hasSuffix("_ratio") { return decimal(value, places: 2) + "×" }
        if metric.hasPrefix("backends_") { return grouped(value) }
        if metric == "minutes_since_change" { return decimal(value, places: 0) + " min" }
        return decimal(value, places: 3)
    }

    /// A fraction as a percentage, the same way everywhere in a postmortem: one decimal place
    /// from 1% up (`0.3` → `30.0%`, `0.112` → `11.2%`), at most two significant figures below
    /// 1% (`0.0005` → `0.05%`, `0.00123` → `0.12%`), and `0%` for nothing.
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "n/a" }
        let value = fraction * 100
        if value == 0 { return "0%" }
        if abs(value) >= 1 || decimal(abs(value), places: 1) == "1" {
            let text = decimal(value, places: 1)
            return (text.utf8.contains(UInt8(ascii: ".")) ? text : text + ".0") + "%"
        }
        // Two significant figures: as many places as put the second digit in view.
        var places = 1
        var scaled = abs(value) * 10
        while scaled < 10, places < 12 {
            scaled *= 10
            places += 1
        }
        return decimal(value, places: places) + "%"
    }

    /// `value` rounded to `places` decimals, trailing zeros dropped: `2.50` → `2.5`.
    ///
    /// Written digit by digit into the string's own storage: every figure `timeline` and a
    /// postmortem show goes through here.
    public static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "n/a" }
        var scale: Int64 = 1
        for _ in 0..<max(0, places) { scale *= 10 }
        guard abs(value) * Double(scale) < 9e17 else { return String(value) }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        let negative = value < 0 && scaled != 0
        let whole = scaled / scale
        var fraction = scaled % scale
        var fractionDigits = max(0, places)
        while fraction != 0, fraction % 10 == 0 {
            fraction /= 10
            fractionDigits -= 1
        }
        // At most a sign, 18 digits, a point and 18 more.
        return String(unsafeUninitializedCapacity: 40) { out in
            var count = 0
            if negative {
                out[count] = UInt8(ascii: "-")
                count += 1
            }
            /// Writes `number`'s digits, at least `width` of them (zeros in front).
            func digits(_ number: Int64, width: Int) {
                var length = 1
                var rest = number / 10
                while rest > 0 {
                    length += 1
                    rest /= 10
                }
                length = max(length, width)
                var remaining = number
                for position in stride(from: count + length - 1, through: count, by: -1) {
                    out[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
                    remaining /= 10
                }
                count += length
            }
            digits(whole, width: 1)
            if fraction != 0 {
                out[count] = UInt8(ascii: ".")
                count += 1
                digits(fraction, width: fractionDigits)
            }
            return count
        }
    }

    /// A whole number with thousands separators: `12000` → `12,000`.
    public static func grouped(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 9e17 else { return "n/a" }
        let rounded = Int64(value.rounded())
        let digits = Array(String(abs(rounded)))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return (rounded < 0 ? "-" : "") + text
    }

    /// A duration for people, the same way everywhere in a postmortem: `45 s`, `6 min`,
    /// `2 h 50 min`, `2 h`, `3 d 4 h`; a negative duration (milestones out of order) keeps its sign.
    public static func duration(milliseconds: Int64) -> String {
        if milliseconds < 0 { return "−" + duration(milliseconds: milliseconds == .min ? .max : -milliseconds) }
        let seconds = milliseconds / 1000
        if seconds < 60 { return "\(seconds) s" }
        let minutes = milliseconds / 60_000 + (milliseconds % 60_000 >= 30_000 ? 1 : 0)
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 24 { return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        let days = hours / 24
        return hours % 24 == 0 ? "\(days) d" : "\(days) d \(hours % 24) h"
    }
}
