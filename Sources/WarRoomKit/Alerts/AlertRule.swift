import Foundation

/// A monitoring alert rule of a scenario, shaped like a Prometheus alerting rule: when `metric`
/// is above (or below) `threshold` at every evaluation for `for`, the alert fires; it resolves
/// at the first evaluation where the condition no longer holds.
///
/// The metric is a probe metric (`errors.error_rate`), read exactly as `probe errors` reads
/// it at that instant, so the alert and the probe a responder runs agree.
public struct AlertRule: Sendable, Equatable {
    /// The alert's name (`MessagingErrorRate`): letters, digits and `_`, as Prometheus names them.
    public var name: String
    /// The probe whose metric is watched (`errors`).
    public var probe: String
    /// The metric of that probe (`error_rate`).
    public var metric: String
    /// Whether the alert fires above or below the threshold.
    public var comparison: Playbook.Check.Comparison
    /// In the metric's unit: a fraction for rates, milliseconds for latencies, a count for servers.
    public var threshold: Double
    /// How long the condition must hold before the alert fires, in milliseconds (0: at once).
    public var holdFor: Int64
    /// What the alert tells the on-call engineer (optional, as a rule's `summary` annotation).
    public var summary: String?

    public init(name: String, probe: String, metric: String, comparison: Playbook.Check.Comparison, threshold: Double, holdFor: Int64,
                summary: String? = nil)
    {
        self.name = name
        self.probe = probe
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
        self.holdFor = holdFor
        self.summary = summary
    }

    /// `errors.error_rate`
    public var metricName: String { "\(probe).\(metric)" }

    /// Whether `value` breaks the rule (strictly above or below the threshold).
    public func holds(_ value: Double) -> Bool {
        switch comparison {
        case .above: return value > threshold
        case .below: return value < threshold
        }
    }

    /// `10.1%` for a fraction metric, `350 ms`, `3` for a count: how the rule's figures read.
    func format(_ value: Double) -> String {
        if metric.hasSuffix("_ms") { return String(format: "%.0f ms", value) }
        if metric.hasSuffix("_rate") && probe != "traffic" || metric == "loss" || metric.hasSuffix("_share") || metric == "max_utilization" {
            return PercentText.format(value)
        }
        return value.rounded() == value ? String(Int(value)) : String(format: "%.2f", value)
    }
}

/// Percentages as people read them: one decimal place, two significant figures under 1%.
public enum PercentText {
    /// `10.1%`, `0.52%`, `0.0041%`, `0%`.
    public static func format(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "n/a" }
        let percent = fraction * 100
        if percent == 0 { return "0%" }
        if abs(percent) >= 1 { return String(format: "%.1f%%", percent) }
        let digits = max(1, Int((-log10(abs(percent))).rounded(.down)) + 2)
        return String(format: "%.\(min(digits, 6))f%%", percent)
    }
}
