/// Formats probe figures for people: fractions as percentages, milliseconds with `ms`, rates
/// with `req/s`. The JSON form keeps the raw numbers; only the prose and tables use this.
public enum MetricText {
    /// Metrics recorded as fractions of 1 and shown as percentages.
    static let fractions: Set<String> = [
        "error_rate", "timeout_rate", "loss", "top_source_share", "max_utilization", "users_affected", "utilization", "share",
    ]

    /// A metric's value with its unit, e.g. `31.2%`, `35 ms`, `9,000 req/s`, `2.41×`.
    /// - Parameters:
    ///   - value: the number as recorded.
    ///   - metric: the metric's name (`error_rate`, `p99_ms` …), which decides the unit.
    /// - Returns: the value for a table cell or a sentence.
    public static func format(_ value: Double, metric: String) -> String {
        guard value.isFinite else { return "n/a" }
        if fractions.contains(metric) || metric.hasSuffix("_share") { return percent(value) }
        if metric.hasSuffix("_ms") { return decimal(value, places: abs(value) < 10 ? 1 : 0) + " ms" }
        if metric == "request_rate" { return grouped(value) + " req/s" }
        if metric == "skew" || metric.hasSuffix("_ratio") { return decimal(value, places: 2) + "×" }
        if metric.hasPrefix("backends_") { return grouped(value) }
        if metric == "minutes_since_change" { return decimal(value, places: 0) + " min" }
        return decimal(value, places: 3)
    }

    /// A fraction as a percentage: `0.3` → `30%`, `0.0005` → `0.05%`.
    public static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return decimal(value, places: value != 0 && abs(value) < 1 ? 2 : 1) + "%"
    }

    /// `value` rounded to `places` decimals, trailing zeros dropped: `2.50` → `2.5`.
    public static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "n/a" }
        var scale: Int64 = 1
        for _ in 0..<max(0, places) { scale *= 10 }
        guard abs(value) * Double(scale) < 9e17 else { return String(value) }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        var text = String(scaled / scale)
        var fraction = scaled % scale
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: places - digits.count) + digits
            while digits.hasSuffix("0") {
                digits.removeLast()
                fraction /= 10
            }
            text += "." + digits
        }
        return sign + text
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

    /// A duration for people: `7h 45m`, `5m`, `45s`.
    public static func duration(milliseconds: Int64) -> String {
        DurationText.format(milliseconds: milliseconds)
    }
}
