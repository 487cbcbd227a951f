/// Re-runs a drill's simulation for the postmortem: the chart's curves, and the share of users
/// affected.
///
/// Responders probe now and then; a chart drawn through their readings alone joins them with
/// straight lines and misses what happened in between. A drill's transcript holds everything
/// the simulation needs to run again exactly as it ran live (the scenario and its seed, each
/// `lb` change at its time), so the chart can show the whole curve, the way monitoring would
/// have, with the probe readings marked on it; and the impact figure can be measured on the
/// whole user base rather than read off a probe.
enum PostmortemSimulation {
    /// What re-running gave.
    struct Outcome: Equatable {
        /// The curves for the chart, when they were asked for and could be drawn.
        var series: PostmortemModel.SimulatedSeries?
        /// Users affected over the impact window (0…1), when it was asked for.
        var usersAffected: Double?
        /// Why the simulation was not re-run (the scenario is missing or changed, the span too long).
        var note: String?
    }

    /// At most this many samples, one every minute or a whole number of minutes.
    static let maximumSamples = 480

    /// Re-runs the simulation the `open` entry names, if it names one.
    /// - Parameters:
    ///   - openData: the `open` entry's data.
    ///   - commands: gathers the responders' `lb` changes and the facilitator's injects, in
    ///     order; called only once the scenario is known to be re-run.
    ///   - chart: the span to sample for the chart (every minute, at most 481 samples), or nil.
    ///   - impact: the window to measure users affected over, or nil.
    ///   - folders: playbook folders to find the scenario by id when its recorded path cannot be read.
    /// - Returns: nil when the incident is not a drill.
    static func rerun(openData: JSONObject, commands recorded: () -> [RecordedLBCommand], chart: ClosedRange<Instant>?, impact: ClosedRange<Instant>?,
                      folders: [String]) -> Outcome?
    {
        guard let record = openData["scenario"], record != .null else { return nil }
        let id = record["id"]?.stringValue ?? "?"
        let scenario: Scenario
        do {
            scenario = try SessionSetup.recordedScenario(record, folders: folders)
        } catch {
            return Outcome(note: "the scenario '\(id)' cannot be loaded (\(error))")
        }
        if let recorded = record["sha256"]?.stringValue, recorded != scenario.sha256 {
            return Outcome(note: "the scenario '\(id)' changed since the drill (SHA-256 \(recorded.prefix(12))… → \(scenario.sha256.prefix(12))…)")
        }
        // The model steps second by second from the scenario's start, whatever the entries say:
        // the same bound as `resume`, on the simulated time, so that an entry dated years away
        // (an edited `open`, say) cannot keep the compiler busy.
        let latest = [chart?.upperBound, impact?.upperBound].compactMap { $0 }.max() ?? scenario.start
        let span = max(latest - scenario.start, chart.map { $0.upperBound - $0.lowerBound } ?? 0)
        guard span <= SimulatedTarget.longestDrill else {
            return Outcome(note: "the drill spans \(MetricText.duration(milliseconds: span)) of simulated time, longer than the \(SimulatedTarget.spanText(SimulatedTarget.longestDrill)) a drill simulates")
        }
        // Gathered only now that the scenario is known to be re-run: a long incident's commands
        // are thousands.
        let commands = recorded()
        var outcome = Outcome()
        do {
            if let chart { outcome.series = try samples(scenario, commands: commands, over: chart) }
            if let impact { outcome.usersAffected = try usersAffected(scenario, commands: commands, from: impact.lowerBound, through: impact.upperBound) }
        } catch {
            return Outcome(note: "the simulation of '\(id)' could not follow the transcript's lb changes (\(error))")
        }
        return outcome
    }

    /// The share of users who had requests fail because of the incident between two instants:
    /// the one place the postmortem's impact figure comes from for a drill.
    ///
    /// The definition is the simulation's own (`SimulationModel.usersAffected(since:)`), the
    /// one `probe errors` and `simulate` print: failures at the scenario's normal background
    /// rate do not count, so the figure does not creep up on a healthy service. The drill is
    /// run again with the same seed and `lb` changes, a mark is taken at `from`, and the users
    /// first hit between the mark and `through` are counted.
    /// - Parameters:
    ///   - scenario: the drill's scenario.
    ///   - commands: the responders' `lb` changes, in order.
    ///   - from: the impact's start.
    ///   - through: mitigation, else resolution.
    /// - Returns: a fraction of the scenario's users, 0…1.
    /// - Throws: when a recorded `lb` change cannot be applied.
    static func usersAffected(_ scenario: Scenario, commands: [RecordedLBCommand], from: Instant, through: Instant) throws -> Double {
        let run = try Rerun(scenario, commands: commands)
        try run.advance(to: from)
        let mark = run.target.impactMark(at: from)
        guard through > from else { return 0 }
        try run.advance(to: through)
        return min(1, max(0, run.target.usersAffected(since: mark, at: through)))
    }

    /// The error rate and traffic every minute (or every few minutes, at most 481 samples).
    static func samples(_ scenario: Scenario, commands: [RecordedLBCommand], over span: ClosedRange<Instant>) throws -> PostmortemModel.SimulatedSeries {
        let start = span.lowerBound
        let end = span.upperBound
        let minutes = max(1, Int((end - start + 60_000 * Int64(maximumSamples) - 1) / (60_000 * Int64(maximumSamples))))
        let step = Int64(minutes) * 60_000
        var errorRate: [PostmortemModel.ChartPoint] = []
        var requestRate: [PostmortemModel.ChartPoint] = []
        let run = try Rerun(scenario, commands: commands)
        var at = start
        while true {
            try run.advance(to: at)
            errorRate.append(PostmortemModel.ChartPoint(at: at, value: try run.target.errors(at: at, minutes: 0).errorRate))
            requestRate.append(PostmortemModel.ChartPoint(at: at, value: try run.target.traffic(at: at).requestRate))
            guard at < end else { break }
            at = min(at + step, end)
        }
        return PostmortemModel.SimulatedSeries(scenario: scenario.id, everySeconds: minutes * 60, errorRate: errorRate, requestRate: requestRate)
    }

    /// A simulation replaying the responders' `lb` changes at their times.
    final class Rerun {
        let target: SimulatedTarget
        let console: LoadBalancerConsole
        var pending: ArraySlice<RecordedLBCommand>

        init(_ scenario: Scenario, commands: [RecordedLBCommand]) throws {
            target = SimulatedTarget(scenario: scenario)
            console = try LoadBalancerConsole(target: target, at: scenario.start, by: "scenario")
            pending = commands[...]
        }

        /// Applies every change due by `at`.
        func advance(to at: Instant) throws {
            while let next = pending.first, next.at <= at {
                try console.redo(next)
                pending = pending.dropFirst()
            }
        }
    }
}
