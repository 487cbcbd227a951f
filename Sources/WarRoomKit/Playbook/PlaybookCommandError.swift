/// Why a playbook command (`done`, `next`, `skip`, `goto`, `run`) did nothing. Messages say
/// what is wrong and what to type instead.
public enum PlaybookCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `begin` was already called for this incident.
    case alreadyStarted
    /// No step is current: the playbook has not begun, or every step is behind us.
    case noCurrentStep(finished: Bool)
    /// No step has this id.
    case unknownStep(String, suggestion: String?)
    /// `goto` named neither a step nor a phase.
    case unknownTarget(String, suggestion: String?)
    /// The step was already done.
    case alreadyDone(step: String, at: Instant?)
    /// `skip` needs a reason.
    case reasonRequired(step: String)
    /// The step's check needs a probe result and there is none yet.
    case needsProbe(step: String, check: Playbook.Check)
    /// The latest result of the probe lacks the metric the check reads.
    case metricMissing(step: String, check: Playbook.Check, probedAt: Instant)
    /// The latest result of the probe covers time before the last configuration change: it
    /// cannot say what the change did.
    case readingBeforeChange(step: String, check: Playbook.Check, from: Instant, to: Instant, change: Instant, version: Int?)

    public var description: String {
        switch self {
        case .alreadyStarted:
            return "the playbook is already under way; see `steps`"
        case .noCurrentStep(let finished):
            return finished
                ? "every step of the playbook is behind us; name a step (`done STEP`), `goto STEP` to revisit one, or `close` the incident"
                : "the playbook has not started; open the incident with `start --playbook ID`"
        case .unknownStep(let id, let suggestion):
            return "no step '\(id)' in this playbook\(suggestion.map { " (did you mean '\($0)'?)" } ?? ""); `steps` lists them"
        case .unknownTarget(let name, let suggestion):
            return "no step or phase '\(name)'\(suggestion.map { " (did you mean '\($0)'?)" } ?? ""); `steps` lists them"
        case .alreadyDone(let step, let at):
            return "step '\(step)' is already done\(at.map { " (at \($0.clockMinutes))" } ?? ""); `goto \(step)` to do it again"
        case .reasonRequired(let step):
            return "say why the step is skipped: `skip \(step) REASON`"
        case .needsProbe(let step, let check):
            return "step '\(step)' is judged on \(check.summary), and there is no `probe \(check.probe)` result yet: "
                + "run `probe \(check.probe)`, then `done` again (or `skip \(step) REASON`)"
        case .readingBeforeChange(let step, let check, let from, let to, let change, let version):
            let seconds = max(1, (to - change) / 1000)
            let changed = "the configuration changed at \(change.clockSeconds)\(version.map { " (v\($0))" } ?? "")"
            let what = to <= change
                ? "the latest `probe \(check.probe)` (\(from.clockSeconds)–\(to.clockSeconds)) is from before \(changed), so it cannot say what the change did"
                : "the latest `probe \(check.probe)` covers \(from.clockSeconds)–\(to.clockSeconds), and \(changed) within it: it mixes before and after"
            return what + "; step '\(step)' is not judged on it. Probe the time since the change (`probe \(check.probe) --window \(max(seconds, 10))s`"
                + (seconds < 10 ? ", once 10 s have passed" : "") + "), then `done` again"
        case .metricMissing(let step, let check, let probedAt):
            return "the latest `probe \(check.probe)` (at \(probedAt.clockSeconds)) has no '\(check.metric)' for step '\(step)'s check: "
                + "run `probe \(check.probe)` again, or `skip \(step) REASON`"
        }
    }
}
