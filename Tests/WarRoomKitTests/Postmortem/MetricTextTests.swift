import Testing
import WarRoomKit

/// Figures as a reader sees them in tables and sentences.
@Suite struct MetricTextTests {
    @Test(arguments: [
        (0.312, "error_rate", "31.2%"), (0.0005, "error_rate", "0.05%"), (0, "loss", "0%"), (1.6, "max_utilization", "160.0%"),
        (35, "p99_ms", "35 ms"), (0.8, "rtt_ms", "0.8 ms"), (12000, "request_rate", "12,000 req/s"), (3.4, "skew", "3.4×"),
        (1.02, "baseline_ratio", "1.02×"), (2, "backends_down", "2"), (42.4, "minutes_since_change", "42 min"), (1.23456, "other", "1.235"),
    ] as [(Double, String, String)])
    func formatsWithUnits(_ value: Double, _ metric: String, _ expected: String) {
        #expect(MetricText.format(value, metric: metric) == expected)
    }

    @Test(arguments: [
        (0.3, "30.0%"), (0.112, "11.2%"), (0.0005, "0.05%"), (0.00123, "0.12%"), (0.0049, "0.49%"), (0.00996, "1.0%"), (0.01, "1.0%"),
        (0, "0%"), (1, "100.0%"), (0.000012, "0.0012%"),
    ] as [(Double, String)])
    func percentagesHaveOneDecimalOrTwoSignificantFiguresBelowOnePercent(_ fraction: Double, _ expected: String) {
        #expect(MetricText.percent(fraction) == expected)
    }

    @Test(arguments: [
        (45_000, "45 s"), (360_000, "6 min"), (10_200_000, "2 h 50 min"), (7_200_000, "2 h"), (3_599_000, "1 h"), (97_200_000, "1 d 3 h"),
        (-300_000, "−5 min"), (0, "0 s"),
    ] as [(Int64, String)])
    func durationsReadTheSameEverywhere(_ milliseconds: Int64, _ expected: String) {
        #expect(MetricText.duration(milliseconds: milliseconds) == expected)
    }

    @Test func decimalsAndGrouping() {
        #expect(MetricText.decimal(2.50, places: 2) == "2.5")
        #expect(MetricText.decimal(-0.004, places: 2) == "0")
        #expect(MetricText.decimal(-1.25, places: 1) == "-1.3")
        #expect(MetricText.grouped(1_234_567) == "1,234,567")
        #expect(MetricText.grouped(-999) == "-999")
        #expect(MetricText.format(.nan, metric: "error_rate") == "n/a")
    }

    /// Every rate a probe records as a fraction is a percentage, wherever it is shown; the
    /// request rates are requests per second.
    @Test func everyFractionRateIsAPercentage() {
        #expect(MetricText.format(0.00044, metric: "server_error_rate") == "0.044%")
        #expect(MetricText.format(0.073, metric: "connection_error_rate") == "7.3%")
        #expect(MetricText.format(0, metric: "no_server_rate") == "0%")
        #expect(MetricText.format(9075, metric: "request_rate") == "9,075 req/s")
    }

    /// A text cut short ends on a word that carries meaning, and a clause barely over the
    /// limit is kept whole.
    @Test func aBriefTextEndsOnAContentWord() {
        #expect(BriefText.brief("Audit load balancer changes to the pool every month before each peak", words: 6) == "Audit load balancer changes…")
        #expect(BriefText.brief("About 30% of users cannot send or receive messages since about 03:40Z: 27.3% failed", words: 10)
            == "About 30% of users cannot send or receive messages since about 03:40Z")
    }

    /// The decimal as it was first written, through strings: the one written digit by digit
    /// into its storage must agree with it on every value.
    static func decimalThroughStrings(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "n/a" }
        var scale: Int64 = 1
        for _ in 0..<max(0, places) { scale *= 10 }
        guard abs(value) * Double(scale) < 9e17 else { return String(value) }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        var text = String(scaled / scale)
        let fraction = scaled % scale
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: places - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return sign + text
    }

    @Test func decimalIsWhatFormattingThroughStringsGives() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 1, -1, 0.5, 0.05, 0.0005, 0.00123, 9.995, 10, 99.95, 1e-12, 123456789.987654321, 8.9e17, 9e17, 1e18, -2.5,
                                .nan, .infinity, -.infinity, .ulpOfOne, Double(Int64.max), 0.1 + 0.2]
        for _ in 0..<5_000 {
            values.append(Double.random(in: -1_000...1_000, using: &generator))
            values.append(Double.random(in: 0...1, using: &generator) / Double([1, 10, 1_000, 1e6][Int.random(in: 0...3, using: &generator)]))
        }
        for value in values {
            for places in [-1, 0, 1, 2, 3, 6, 12] {
                #expect(MetricText.decimal(value, places: places) == Self.decimalThroughStrings(value, places: places), "\(value) to \(places) places")
            }
        }
    }
}
