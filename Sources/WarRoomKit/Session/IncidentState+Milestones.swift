extension IncidentState {
    /// Milestones that must not come after `milestone` (it follows them).
    static let precedents: [Milestone: [Milestone]] = [
        .detected: [.impactStart],
        .acknowledged: [.impactStart, .detected],
        .escalated: [.impactStart, .detected],
        .mitigated: [.impactStart, .detected],
        .resolved: [.impactStart, .detected, .acknowledged, .mitigated],
    ]

    /// Why marking `milestone` at `time` would put the incident out of order, or `nil` when it
    /// fits: it must not come before a milestone it follows (resolved before detected, mitigated
    /// before impact-start) nor after one that follows it, and in a drill nothing comes before
    /// the drill began, and nothing is mitigated or resolved before anything went wrong.
    public func orderProblem(_ milestone: Milestone, at time: Instant) -> String? {
        let name = milestone.rawValue
        if isDrill, time < openedAt {
            return "\(name) at \(time.clockSeconds) would be before this drill began (\(openedAt.clockSeconds))"
        }
        if let trigger = scenarioTrigger, milestone != .acknowledged, milestone != .escalated, time < trigger.at {
            return "\(name) at \(time.clockSeconds) would be before the drill's trigger (the change \(trigger.by) made at \(trigger.at.clockSeconds)), when nothing had gone wrong yet"
        }
        for earlier in IncidentState.precedents[milestone] ?? [] {
            if let at = self.milestone(earlier), time < at {
                return "\(name) at \(time.clockSeconds) would come before \(earlier.rawValue) at \(at.clockSeconds)"
            }
        }
        for (later, earlierOnes) in IncidentState.precedents where earlierOnes.contains(milestone) {
            if let at = self.milestone(later), at < time {
                return "\(name) at \(time.clockSeconds) would come after \(later.rawValue) at \(at.clockSeconds)"
            }
        }
        if isDrill, milestone == .mitigated || milestone == .resolved, self.milestone(.detected) == nil, self.milestone(.impactStart) == nil {
            guard let alert = firstAlert else {
                return "nothing has gone wrong yet in this drill (no alert has fired and nothing is marked detected), so it cannot be \(name)"
            }
            if time < alert.at {
                return "\(name) at \(time.clockSeconds) would come before the first alert (\(alert.name) at \(alert.at.clockSeconds))"
            }
        }
        return nil
    }
}
