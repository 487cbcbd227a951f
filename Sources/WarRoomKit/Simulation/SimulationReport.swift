import Foundation

/// `warroom simulate`: runs a scenario headless and prints its time series, one sample per
/// `every`, as a table for people, CSV, or JSON Lines (SPEC §5).
public enum SimulationReport {
    /// Output formats.
    public enum Format: String, Sendable, CaseIterable {
        case table, csv, json
    }

    /// The top-level columns, in order (CSV header and JSON keys).
    public static let columns = ["at", "request_rate", "error_rate", "timeout_rate", "p99_ms", "backends_up", "backends_down",
                                 "users_affected", "config_version"]

    /// Runs the scenario and returns the whole text (use `run` to stream long runs).
    /// - Parameters:
    ///   - scenario: the scenario.
    ///   - duration: simulated milliseconds to run.
    ///   - every: milliseconds between samples (whole seconds; at least one).
    ///   - format: table, csv or json.
    /// - Returns: the text, each line ending in a newline.
    public static func render(scenario: Scenario, duration: Int64, every: Int64, format: Format) -> String {
        var text = ""
        run(scenario: scenario, duration: duration, every: every, format: format) { text += $0 + "\n" }
        return text
    }

    /// Runs the scenario, handing each output line (without its newline) to `write` as soon as it is ready.
    /// - Parameters:
    ///   - scenario: the scenario.
    ///   - duration: simulated milliseconds to run.
    ///   - every: milliseconds between samples (rounded to whole seconds, at least one).
    ///   - format: table, csv or json.
    ///   - write: receives each line.
    public static func run(scenario: Scenario, duration: Int64, every: Int64, format: Format, write: (String) -> Void) {
        var model = SimulationModel(scenario: scenario)
        let step = max(SimulationModel.tickMilliseconds, every / SimulationModel.tickMilliseconds * SimulationModel.tickMilliseconds)
        let n = model.backendCount
        var previousTotals = model.totals
        var previousAttempts = [Double](repeating: 0, count: n)
        var previousFailures = previousAttempts
        switch format {
        case .table:
            write("\(scenario.id) — \(scenario.title)")
            let window = ProbeWindow.seconds(Double(step) / 1000)
            write("REQ/S, ERRORS and TIMEOUTS over the \(window) before each TIME; P99 over its last second; UP, DOWN and CONFIG at TIME;")
            write("USERS HIT: users who had a request fail because of the incident since \(scenario.start.clockSeconds) (not the normal background failures)")
            write(tableLine(["TIME", "REQ/S", "ERRORS", "TIMEOUTS", "P99", "UP", "DOWN", "USERS HIT", "CONFIG"]))
        case .csv:
            write(columns.joined(separator: ","))
        case .json:
            break
        }
        var elapsed: Int64 = 0
        while elapsed + step <= duration {
            elapsed += step
            model.advance(to: scenario.start + elapsed)
            let totals = model.totals
            let seconds = Double(step) / 1000
            let requests = totals.requests - previousTotals.requests
            let errors = totals.errors - previousTotals.errors
            let timeouts = totals.timeouts - previousTotals.timeouts
            // Retried requests can fail for good a tick after they arrived; a window's rate is capped at 100%.
            let errorRate = requests > 0 ? min(1, errors / requests) : 0
            let timeoutRate = requests > 0 ? min(1, timeouts / requests) : 0
            previousTotals = totals
            let p99 = model.latencyPercentile(0.99)
            let health = model.healthCounts()
            let users = model.usersAffected
            let version = 1 + model.changeLog.count
            switch format {
            case .table:
                write(tableLine([model.now.clockSeconds, TextFormat.count(requests / seconds), TextFormat.percent(errorRate), TextFormat.percent(timeoutRate),
                                 p99.map(TextFormat.milliseconds) ?? "-", String(health.up), String(health.down), TextFormat.percent(users), "v\(version)"]))
            case .csv:
                write([model.now.iso8601Seconds, number(requests / seconds), number(errorRate), number(timeoutRate), p99.map(number) ?? "",
                       String(health.up), String(health.down), number(users), String(version)].joined(separator: ","))
            case .json:
                let attempts = model.attemptsPerBackend
                let failures = model.failuresPerBackend
                var total = 0.0
                for i in 0..<n { total += attempts[i] - previousAttempts[i] }
                var backends: [JSONValue] = []
                backends.reserveCapacity(n)
                for i in 0..<n {
                    let a = attempts[i] - previousAttempts[i]
                    let f = failures[i] - previousFailures[i]
                    let stats = model.serverStats(i)
                    backends.append(.object([
                        "name": .string(stats.name), "status": .string(stats.status), "weight": .int(stats.weight),
                        "share": .number(total > 0 ? round6(a / total) : 0), "utilization": .number(round6(model.utilization(i))),
                        "p99_ms": .optional(model.latencyPercentile(0.99, backend: i).map(round6)), "error_rate": .number(a > 0 ? round6(f / a) : 0),
                    ]))
                }
                previousAttempts = attempts
                previousFailures = failures
                let object: JSONObject = [
                    "at": .string(model.now.iso8601), "request_rate": .number(round6(requests / seconds)), "error_rate": .number(round6(errorRate)),
                    "timeout_rate": .number(round6(timeoutRate)), "p99_ms": .optional(p99.map(round6)), "backends_up": .int(health.up),
                    "backends_down": .int(health.down), "users_affected": .number(round6(users)), "config_version": .int(version),
                    "window_s": .int(Int(step / 1000)),
                    "backends": .array(backends),
                ]
                write(JSONValue.object(object).serialized())
            }
        }
    }

    static let widths = [9, 8, 7, 8, 8, 4, 4, 9, 6]

    static func tableLine(_ cells: [String]) -> String {
        var parts: [String] = []
        for (k, cell) in cells.enumerated() {
            let width = widths[k]
            let padding = String(repeating: " ", count: max(0, width - cell.count))
            parts.append(k == 0 ? cell + padding : padding + cell)
        }
        return parts.joined(separator: "  ")
    }

    /// Six significant decimals are plenty and keep the output stable and short.
    static func round6(_ value: Double) -> Double {
        (value * 1_000_000).rounded() / 1_000_000
    }

    static func number(_ value: Double) -> String {
        let rounded = round6(value)
        if rounded.rounded() == rounded, abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return String(rounded)
    }
}
