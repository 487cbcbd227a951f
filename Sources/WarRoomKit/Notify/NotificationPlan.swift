/// Which notifications the entries a command recorded call for, as `notify` entries: each
/// holds what is to be sent (the body, without any secret) and where (a PagerDuty team, a
/// receiver's name), so that a notification whose shell died before it was delivered is sent
/// again from the record alone, the same bytes under the same dedup key.
public enum NotificationPlan {
    /// PagerDuty's limits (Events API v2): `summary` at most 1024 characters, `dedup_key` 255.
    static let summaryLimit = 1024
    static let dedupLimit = 255
    /// Slack's limit for a section block's text.
    static let blockTextLimit = 3000

    /// The `notify` drafts for `entries` (what a command staged), in order.
    /// - Parameters:
    ///   - state: the incident with the entries folded in.
    ///   - join: how a responder comes in (`warroom join ID`, `warroom resume PATH`), for the page's details.
    public static func intents(for entries: [TranscriptEntry], state: IncidentState, config: NotifyConfig, join: String) -> [TranscriptEntry] {
        var intents: [TranscriptEntry] = []
        for entry in entries {
            guard let event = event(of: entry) else { continue }
            let line = message(for: entry, event: event, state: state)
            func intent(channel: String, target: String, action: String?, dedupKey: String?, body: JSONObject, text: String) -> TranscriptEntry {
                var data: JSONObject = ["channel": .string(channel), "target": .string(target), "event": .string(event.rawValue),
                                        "cause": .int(entry.seq), "body": .object(body)]
                if let action { data["action"] = .string(action) }
                if let dedupKey { data["dedup_key"] = .string(dedupKey) }
                return TranscriptEntry(seq: 0, at: entry.at, wall: entry.wall, by: entry.by, kind: .notify, phase: entry.phase, step: entry.step,
                                       text: text, data: data)
            }
            if event == .escalation, let team = entry.data["to"]?.stringValue, let service = config.pagerDuty.first(where: { $0.team == team }) {
                let key = dedupKey(state.id, team)
                let body = triggerBody(entry: entry, state: state, team: team, dedupKey: key, summary: line, join: join)
                intents.append(intent(channel: "pagerduty", target: service.team, action: "trigger", dedupKey: key, body: body,
                                      text: "Page \(team) on PagerDuty: \(Display.firstLine(line, limit: 160))"))
            }
            if event == .close {
                // Every page this incident triggered is resolved, under the trigger's own dedup key
                // (PagerDuty drops a resolve whose key differs).
                for (team, key) in state.pagesTriggered where config.pagerDuty.contains(where: { $0.team == team }) {
                    intents.append(intent(channel: "pagerduty", target: team, action: "resolve", dedupKey: key,
                                          body: ["event_action": "resolve", "dedup_key": .string(key)], text: "Resolve the page to \(team) on PagerDuty"))
                }
            }
            for hook in config.slack where hook.events.contains(event) {
                intents.append(intent(channel: "slack", target: hook.name, action: nil, dedupKey: nil, body: slackBody(line, state: state, join: join),
                                      text: "Post to Slack (\(hook.name)): \(Display.firstLine(line, limit: 160))"))
            }
            for hook in config.webhooks where hook.events.contains(event) {
                intents.append(intent(channel: "webhook", target: hook.name, action: nil, dedupKey: nil,
                                      body: webhookBody(entry: entry, event: event, line: line, state: state, join: join),
                                      text: "Post to \(hook.name): \(Display.firstLine(line, limit: 160))"))
            }
        }
        return intents
    }

    /// What an entry is, as a notification's event (`nil`: nothing to notify).
    static func event(of entry: TranscriptEntry) -> NotifyConfig.Event? {
        switch entry.kind {
        case .escalation: return .escalation
        case .update: return .update
        case .severity: return .severity
        case .milestone: return .milestone
        case .close: return .close
        default: return nil
        }
    }

    /// `incident-id/team`, at most 255 characters.
    static func dedupKey(_ incident: String, _ team: String) -> String {
        String("\(incident)/\(team)".prefix(dedupLimit))
    }

    /// One line about it, for a page's summary and a chat message.
    static func message(for entry: TranscriptEntry, event: NotifyConfig.Event, state: IncidentState) -> String {
        let head = "[\(state.severity)] \(state.title)"
        let text = SafeText.printable(entry.text)
        switch event {
        case .escalation: return "\(head) — escalated to \(entry.data["to"]?.stringValue ?? "?") by \(entry.by)" + (entry.data["reason"]?.stringValue.flatMap { $0.isEmpty ? nil : ": \(SafeText.printable($0))" } ?? "")
        case .update: return "\(head) — update from \(entry.by): \(text)"
        case .severity: return "\(head) — severity set to \(state.severity) by \(entry.by)"
        case .milestone: return "\(head) — \(entry.data["milestone"]?.stringValue ?? "milestone") at \((entry.data["time"]?.stringValue.flatMap(Instant.parseISO8601) ?? entry.at).clockSeconds) (\(entry.by))"
        case .close:
            let summary = entry.data["summary"]?.stringValue.map(SafeText.printable) ?? ""
            return "\(head) — closed by \(entry.by)" + (summary.isEmpty ? "" : ": \(summary)")
        }
    }

    /// PagerDuty's severity for the incident's: SEV-1 critical, SEV-2 error, SEV-3 warning, else info.
    static func pagerDutySeverity(_ severity: String) -> String {
        switch severity {
        case "SEV-1": return "critical"
        case "SEV-2": return "error"
        case "SEV-3": return "warning"
        default: return "info"
        }
    }

    static func triggerBody(entry: TranscriptEntry, state: IncidentState, team: String, dedupKey: String, summary: String, join: String) -> JSONObject {
        var details: JSONObject = ["incident": .string(state.id), "title": .string(state.title), "severity": .string(state.severity),
                                   "escalated_by": .string(entry.by), "join": .string(join)]
        if let reason = entry.data["reason"]?.stringValue, !reason.isEmpty { details["reason"] = .string(reason) }
        if let phase = entry.phase { details["phase"] = .string(phase) }
        let payload: JSONObject = [
            "summary": .string(String(summary.prefix(summaryLimit))), "source": .string("warroom \(state.id)"),
            "severity": .string(pagerDutySeverity(state.severity)), "timestamp": .string(entry.wall.iso8601),
            "component": .string(team), "group": .string(state.id), "class": "incident", "custom_details": .object(details),
        ]
        return ["event_action": "trigger", "dedup_key": .string(dedupKey), "payload": .object(payload), "client": "warroom"]
    }

    static func slackBody(_ line: String, state: IncidentState, join: String) -> JSONObject {
        let section: JSONObject = ["type": "section", "text": ["type": "mrkdwn", "text": .string(slackEscaped(line, limit: blockTextLimit))]]
        let context: JSONObject = ["type": "context", "elements": [["type": "mrkdwn", "text": .string(slackEscaped("\(state.id) · \(join)", limit: blockTextLimit))]]]
        return ["text": .string(slackEscaped(line, limit: 4000)), "blocks": [.object(section), .object(context)]]
    }

    /// `&`, `<` and `>` as Slack's text format wants them, at most `limit` characters: cut
    /// before an entity that would not fit whole.
    static func slackEscaped(_ text: String, limit: Int) -> String {
        var escaped = ""
        var count = 0
        for character in text {
            let piece: String
            switch character {
            case "&": piece = "&amp;"
            case "<": piece = "&lt;"
            case ">": piece = "&gt;"
            default: piece = String(character)
            }
            guard count + piece.count <= limit else { break }
            escaped += piece
            count += piece.count
        }
        return escaped
    }

    static func webhookBody(entry: TranscriptEntry, event: NotifyConfig.Event, line: String, state: IncidentState, join: String) -> JSONObject {
        ["version": 1, "event": .string(event.rawValue), "incident": .string(state.id), "title": .string(state.title),
         "severity": .string(state.severity), "status": .string(state.status.rawValue), "text": .string(line), "seq": .int(entry.seq),
         "at": .string(entry.at.iso8601), "by": .string(entry.by), "data": .object(entry.data), "join": .string(join)]
    }
}
