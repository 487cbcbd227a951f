/// Re-runs a drill's simulation for the postmortem chart.
///
/// Responders probe now and then; a chart drawn through their readings alone joins them with
/// straight lines and misses what happened in between. A drill's transcript holds everything
/// the simulation needs to run again exactly as it ran live (the scenario and its seed, each
/// `lb` change at its time), so the chart can show the whole curve, the way monitoring would
/// have, with the probe readings marked on it.
enum PostmortemSimulation {
    /// What re-running gave.
    enum Outcome: Equatable {
        case series(PostmortemModel.SimulatedSeries)
        /// A drill whose simulation cannot be re-run; the reason, for the chart's caption.
        case unavailable(String)
        /// Not a drill: nothing to re-run.
        case none
    }

    /// At most this many samples, one every minute or a whole number of minutes.
    static let maximumSamples = 480

    /// Re-runs the simulation the `open` entry names from the incident's start to `end`.
    /// - Parameters:
    ///   - openData: the `open` entry's data.
    ///   - commands: the responders' `lb` changes, in order.
    ///   - start: when the incident opened.
    ///   - end: the last entry's time.
    ///   - folders: playbook folders to find the scenario by id when its recorded path cannot be read.
    static func rerun(openData: JSONObject, commands: [RecordedLBCommand], start: Instant, end: Instant, folders: [String]) -> Outcome {
        guard let record = openData["scenario"], record != .null else { return .none }
        let id = record["id"]?.stringValue ?? "?"
        let scenario: Scenario
        do {
            scenario = try SessionSetup.recordedScenario(record, folders: folders)
        } catch {
            return .unavailable("the scenario '\(id)' cannot be loaded (\(error))")
        }
        if let recorded = record["sha256"]?.stringValue, recorded != scenario.sha256 {
            return .unavailable("the scenario '\(id)' changed since the drill (SHA-256 \(recorded.prefix(12))… → \(scenario.sha256.prefix(12))…)")
        }
        guard end - start <= SimulatedTarget.longestDrill else {
            return .unavailable("the drill spans \(DurationText.format(milliseconds: end - start)), longer than the \(SimulatedTarget.spanText(SimulatedTarget.longestDrill)) a drill simulates")
        }
        let minutes = max(1, Int((end - start + 60_000 * Int64(maximumSamples) - 1) / (60_000 * Int64(maximumSamples))))
        let step = Int64(minutes) * 60_000
        var errorRate: [PostmortemModel.ChartPoint] = []
        var requestRate: [PostmortemModel.ChartPoint] = []
        do {
            let target = SimulatedTarget(scenario: scenario)
            let console = try LoadBalancerConsole(target: target, at: start, by: "scenario")
            var pending = commands[...]
            var at = start
            while true {
                while let next = pending.first, next.at <= at {
                    _ = try console.lb(arguments: next.arguments, by: next.by, at: next.at)
                    pending = pending.dropFirst()
                }
                errorRate.append(PostmortemModel.ChartPoint(at: at, value: try target.errors(at: at, minutes: 0).errorRate))
                requestRate.append(PostmortemModel.ChartPoint(at: at, value: try target.traffic(at: at).requestRate))
                guard at < end else { break }
                at = min(at + step, end)
            }
        } catch {
            return .unavailable("the simulation of '\(id)' could not follow the transcript's lb changes (\(error))")
        }
        return .series(PostmortemModel.SimulatedSeries(scenario: scenario.id, everySeconds: minutes * 60, errorRate: errorRate, requestRate: requestRate))
    }
}
