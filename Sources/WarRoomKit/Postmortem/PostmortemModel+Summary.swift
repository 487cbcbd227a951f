extension PostmortemModel {
    /// A labelled paragraph of the Issue Summary, in plain text (renderers escape it).
    public struct SummaryParagraph: Sendable, Equatable {
        public var label: String
        public var text: String
    }

    /// The Issue Summary as the renderers print it: duration, service, impact, users
    /// affected, root cause, trigger, resolution.
    public var summaryParagraphs: [SummaryParagraph] {
        var paragraphs: [SummaryParagraph] = []
        let s = summary
        let sameDay = s.start.date == s.end.date
        let startText = "\(s.start.date) \(s.start.hourMinute) UTC"
        let endText = sameDay ? "\(s.end.hourMinute) UTC" : "\(s.end.date) \(s.end.hourMinute) UTC"
        let startName = switch s.startBasis {
        case .impactStart: "impact start"
        case .detected: "detection"
        case .opened: "incident opened"
        }
        let endName = switch s.endBasis {
        case .resolved: "resolved"
        case .closed: "incident closed"
        case .lastEntry: "last entry; not resolved"
        }
        var duration = "\(MetricText.duration(milliseconds: s.duration)), from \(startText) (\(startName)) to \(endText) (\(endName)). All times are UTC."
        switch s.startBasis {
        case .impactStart: break
        case .detected: duration += " impact-start was never marked, so the impact is taken to start at detection."
        case .opened: duration += " Neither impact-start nor detected was marked, so the duration runs from the opening of the incident."
        }
        paragraphs.append(SummaryParagraph(label: "Duration", text: duration))
        if let service = s.service { paragraphs.append(SummaryParagraph(label: "Service", text: service)) }
        let impact = ([s.impact].compactMap { $0 } + s.impactNotes).joined(separator: " ")
        paragraphs.append(SummaryParagraph(label: "Impact", text: impact.isEmpty ? "Not recorded." : impact))
        let users: String =
            switch (s.usersAffected, s.usersAffectedSource) {
            case (let share?, .probes?): "\(MetricText.percent(share)) of users (failed requests seen by probes between the start of the impact and mitigation)."
            case (let share?, _): "\(MetricText.percent(share)) of users (from the impact statement)."
            case (nil, _): "Not recorded."
            }
        paragraphs.append(SummaryParagraph(label: "Users affected", text: users))
        paragraphs.append(SummaryParagraph(label: "Root cause", text: s.rootCause ?? "Not recorded."))
        if let trigger = s.trigger { paragraphs.append(SummaryParagraph(label: "Trigger", text: trigger)) }
        if let resolution = s.resolution { paragraphs.append(SummaryParagraph(label: "Resolution", text: resolution)) }
        return paragraphs
    }

    /// The number of words in the Issue Summary, labels included.
    public var summaryWordCount: Int {
        summaryParagraphs.reduce(0) { count, paragraph in
            count + paragraph.label.split(whereSeparator: \.isWhitespace).count + paragraph.text.split(whereSeparator: \.isWhitespace).count
        }
    }
}
