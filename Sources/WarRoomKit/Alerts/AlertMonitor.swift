/// Monitoring over a drill's simulation: evaluates the scenario's alert rules every
/// `interval` of incident time, as Prometheus evaluates alerting rules, and says when an
/// alert fires (its condition held for the rule's `for`) and when it resolves.
///
/// Evaluations fall on a fixed grid from the scenario's start, whatever the caller's steps,
/// so the same drill fires the same alerts at the same instants however it is advanced.
final class AlertMonitor {
    /// Who records alerts in the transcript.
    static let author = "monitoring"
    /// Incident time between two evaluations (Prometheus' common `evaluation_interval`).
    static let interval: Int64 = 15_000

    /// A rule that fired or resolved.
    struct Transition {
        var rule: AlertRule
        var firing: Bool
        /// The evaluation at which it fired or resolved.
        var at: Instant
        /// When the condition began to hold (firing only).
        var since: Instant?
        /// The metric's value at `at` (`nil` when the target had no reading).
        var value: Double?

        /// `Alert MessagingErrorRate firing: errors.error_rate 10.1% above 5.0% for 2 min (since 03:43Z)`
        var text: String {
            let reading = value.map { rule.format($0) } ?? "no reading"
            if firing {
                let held = DurationText.minutesText(rule.holdFor)
                let sinceText = since.map { " (since \($0.clockSeconds))" } ?? ""
                return "Alert \(rule.name) firing: \(rule.metricName) \(reading) \(rule.comparison.rawValue) \(rule.format(rule.threshold)) for \(held)\(sinceText)"
                    + (rule.summary.map { " — \($0)" } ?? "")
            }
            return "Alert \(rule.name) resolved: \(rule.metricName) \(reading), no longer \(rule.comparison.rawValue) \(rule.format(rule.threshold))"
        }

        /// The `alert` entry's data (docs/TRANSCRIPT.md).
        var data: JSONObject {
            var data: JSONObject = [
                "alert": .string(rule.name), "state": .string(firing ? "firing" : "resolved"), "metric": .string(rule.metricName),
                "value": value.map { .number(($0 * 1_000_000).rounded() / 1_000_000) } ?? .null, "threshold": .number(rule.threshold),
                "comparison": .string(rule.comparison.rawValue), "for_s": .number(Double(rule.holdFor) / 1000),
            ]
            if let since { data["since"] = .string(since.iso8601) }
            if let summary = rule.summary { data["summary"] = .string(summary) }
            return data
        }
    }

    let rules: [AlertRule]
    /// The grid's origin: the scenario's start.
    let origin: Instant
    /// The last evaluation done (before the first, one interval before the origin).
    private(set) var evaluated: Instant
    private var pendingSince: [Instant?]
    private var firing: [Bool]

    /// - Parameters:
    ///   - rules: the scenario's alert rules.
    ///   - origin: the scenario's start; the first evaluation is there.
    init(rules: [AlertRule], from origin: Instant) {
        self.rules = rules
        self.origin = origin
        evaluated = origin - AlertMonitor.interval
        pendingSince = Array(repeating: nil, count: rules.count)
        firing = Array(repeating: false, count: rules.count)
    }

    /// Evaluates every rule at each grid instant in `(evaluated, now]`.
    /// - Parameters:
    ///   - now: evaluate up to here.
    ///   - value: the rule's metric at an instant (`nil`: no reading; the condition does not hold).
    /// - Returns: the alerts that fired or resolved, in time order.
    func evaluate(through now: Instant, value: (AlertRule, Instant) throws -> Double?) rethrows -> [Transition] {
        guard !rules.isEmpty else { return [] }
        var transitions: [Transition] = []
        var at = evaluated + AlertMonitor.interval
        while at <= now {
            for (index, rule) in rules.enumerated() {
                let reading = try value(rule, at)
                if let reading, rule.holds(reading) {
                    let since = pendingSince[index] ?? at
                    pendingSince[index] = since
                    if !firing[index], at - since >= rule.holdFor {
                        firing[index] = true
                        transitions.append(Transition(rule: rule, firing: true, at: at, since: since, value: reading))
                    }
                } else {
                    pendingSince[index] = nil
                    if firing[index] {
                        firing[index] = false
                        transitions.append(Transition(rule: rule, firing: false, at: at, since: nil, value: reading))
                    }
                }
            }
            evaluated = at
            at = at + AlertMonitor.interval
        }
        return transitions
    }

    /// Takes which alerts are firing from the transcript (after a rebuild): the record, not the
    /// re-run, says what responders were told.
    func adopt(firing names: Set<String>) {
        for (index, rule) in rules.enumerated() {
            firing[index] = names.contains(rule.name)
        }
    }
}
