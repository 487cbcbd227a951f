/// What a responder entering a room late needs to know before typing, on one screen: the
/// severity and position, the milestones so far, the hypotheses (open, ruled out and why,
/// confirmed), the load balancer's changes, who holds which role, the last status update and
/// who is here. Read from the record alone.
public enum RoomRecap {
    /// At most this many configuration changes are listed (the latest); the rest are counted.
    static let changesShown = 4

    /// The recap's lines.
    /// - Parameters:
    ///   - state: the incident as folded.
    ///   - entries: its entries (for the texts the state does not keep: the load balancer's
    ///     changes and the status updates are read).
    ///   - present: the responders in the room now, with their shells' logins where the store
    ///     keeps them.
    ///   - now: the incident clock.
    public static func lines(state: IncidentState, entries: [TranscriptEntry], present: [String], now: Instant) -> [String] {
        var lines = ["Recap of \(state.id) at \(now.clockMinutes) (\(state.lastSeq) entries; 'timeline' lists them):"]
        var position = "\(state.severity) · open \(DurationText.format(milliseconds: max(0, now - state.openedAt))) · phase \(state.currentPhase)"
        if let step = state.step { position += ", step \(step)" }
        lines.append("  " + position)
        let marked = Milestone.allCases.compactMap { milestone in
            state.milestones[milestone.rawValue].map { "\(milestone.rawValue) \($0.time.clockMinutes) (\($0.by))" }
        }
        let missing = Milestone.allCases.filter { state.milestones[$0.rawValue] == nil }.map(\.rawValue)
        lines.append("  milestones: " + (marked.isEmpty ? "none yet" : marked.joined(separator: ", ")) + (missing.isEmpty ? "" : " · not yet: " + missing.joined(separator: ", ")))
        let hypotheses = state.hypotheses
        if hypotheses.isEmpty {
            lines.append("  hypotheses: none raised")
        } else {
            for status in [Hypothesis.Status.open, .ruledOut, .confirmed] {
                let group = hypotheses.filter { $0.status == status }
                guard !group.isEmpty else { continue }
                let items = group.map { hypothesis in
                    let why = status == .open ? "" : hypothesis.reason.flatMap { $0.isEmpty ? nil : " (\(Display.firstLine($0, limit: 60)))" } ?? ""
                    return "\(hypothesis.id) \(Display.firstLine(hypothesis.text, limit: 50))\(why)"
                }
                lines.append("  \(status == .open ? "open" : status == .ruledOut ? "ruled out" : "confirmed"): " + items.joined(separator: "; "))
            }
        }
        let changes = Array(entries.lazy.filter { $0.kind == .lb }.compactMap(LoadBalancerChangeRecord.init(entry:)).filter { $0.changed == true })
        if !changes.isEmpty {
            let shown = changes.suffix(changesShown).map { change in
                let note = change.note ?? change.action ?? ""
                return "\(change.version.map { "v\($0)" } ?? "v?") \(change.at.clockMinutes) by \(change.by)\(note.isEmpty ? "" : ": \(Display.firstLine(note, limit: 60))")"
            }
            let earlier = changes.count - shown.count
            lines.append("  configuration: " + shown.joined(separator: "; ") + (earlier > 0 ? " (and \(earlier) earlier: 'lb history')" : ""))
        }
        let roles = state.roles.map { "\($0.role) \($0.name)" }
        lines.append("  roles: " + (roles.isEmpty ? "none assigned ('role ROLE NAME')" : roles.joined(separator: ", ")))
        if let update = entries.last(where: { $0.kind == .update }) {
            lines.append("  last update \(update.at.clockMinutes) by \(update.by): \(Display.firstLine(update.text, limit: 100))")
        } else {
            lines.append("  last update: none posted")
        }
        lines.append("  here: " + (present.isEmpty ? "nobody else" : present.joined(separator: ", ")))
        return lines.map(Display.sanitize)
    }
}
