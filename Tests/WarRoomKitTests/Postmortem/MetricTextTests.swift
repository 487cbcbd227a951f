import Testing
import WarRoomKit

/// Figures as a reader sees them in tables and sentences.
@Suite struct MetricTextTests {
    @Test(arguments: [
        (0.312, "error_rate", "31.2%"), (0.0005, "error_rate", "0.05%"), (0, "loss", "0%"), (1.6, "max_utilization", "160%"),
        (35, "p99_ms", "35 ms"), (0.8, "rtt_ms", "0.8 ms"), (12000, "request_rate", "12,000 req/s"), (3.4, "skew", "3.4×"),
        (1.02, "baseline_ratio", "1.02×"), (2, "backends_down", "2"), (42.4, "minutes_since_change", "42 min"), (1.23456, "other", "1.235"),
    ] as [(Double, String, String)])
    func formatsWithUnits(_ value: Double, _ metric: String, _ expected: String) {
        #expect(MetricText.format(value, metric: metric) == expected)
    }

    @Test func decimalsAndGrouping() {
        #expect(MetricText.decimal(2.50, places: 2) == "2.5")
        #expect(MetricText.decimal(-0.004, places: 2) == "0")
        #expect(MetricText.decimal(-1.25, places: 1) == "-1.3")
        #expect(MetricText.grouped(1_234_567) == "1,234,567")
        #expect(MetricText.grouped(-999) == "-999")
        #expect(MetricText.format(.nan, metric: "error_rate") == "n/a")
    }
}
