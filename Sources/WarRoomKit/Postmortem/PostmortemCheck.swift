/// Lints a postmortem before it is published (`warroom postmortem --check`): what a reviewer
/// would send back.
public enum PostmortemCheck {
    /// One thing a reviewer would send back.
    public enum Finding: Sendable, Equatable, CustomStringConvertible {
        /// The body is outside the requested range of words.
        case bodyLength(words: Int, range: ClosedRange<Int>)
        /// Entries are dated before the entry above them.
        case entriesBackwards(count: Int, firstSeq: Int)
        /// Neither the simulation, the `impact` statement nor a probe gives the share of users affected.
        case noImpactPercentage
        /// No `rootcause` statement and no confirmed hypothesis.
        case noRootCause
        /// Nothing happened between opening and closing, as far as the timeline shows.
        case noTimeline
        /// An action item nobody owns.
        case actionWithoutOwner(id: String, text: String)
        /// A milestone that was never marked.
        case missingMilestone(String)
        /// Milestones out of order, a metric of zero length, a milestone in the future.
        case milestone(PostmortemModel.MilestoneProblem)

        public var description: String {
            switch self {
            case .bodyLength(let words, let range):
                let direction = words < range.lowerBound ? "short" : "long"
                let advice = words < range.lowerBound
                    ? "say more about impact, root cause and resolution"
                    : "tighten it: shorter statements and notes, or 'omit SEQ REASON' for timeline events a reader does not need"
                return "body is \(words) words, too \(direction) for \(range.lowerBound)–\(range.upperBound) (title block to Lessons Learned): \(advice)"
            case .entriesBackwards(let count, let firstSeq):
                return "entries run backwards in time: seq \(firstSeq) is dated before the entry above it\(count > 1 ? " (and \(count - 1) more)" : ""); check the transcript with 'warroom verify' and the clock it was written with"
            case .noImpactPercentage:
                return "no impact percentage: state the share of users affected (e.g. 'impact About 30% of users could not send messages') or run a probe that reports users_affected"
            case .noRootCause:
                return "no root cause: record it with 'rootcause TEXT' or 'confirm H# REASON'"
            case .noTimeline:
                return "no timeline: the transcript records nothing between opening and closing the incident (milestones, hypotheses, changes, notes)"
            case .actionWithoutOwner(let id, let text):
                return "action item \(id) has no owner: \(SafeText.printable(text)) (every task needs someone accountable; record it as 'action TEXT --owner NAME')"
            case .missingMilestone(let name):
                return "milestone \(name) was never marked: metrics that need it are not measured (mark it with 'mark \(name) --at TIME')"
            case .milestone(let problem):
                return problem.description
            }
        }
    }

    /// Everything a reviewer would flag, in document order.
    /// - Parameters:
    ///   - model: the postmortem.
    ///   - wordRange: the body's required length in words (`--words`), or `nil` not to check it.
    /// - Returns: the findings; empty when the postmortem is ready.
    public static func check(_ model: PostmortemModel, wordRange: ClosedRange<Int>? = nil) -> [Finding] {
        var findings: [Finding] = []
        if let range = wordRange {
            let words = model.bodyWordCount
            if !range.contains(words) { findings.append(.bodyLength(words: words, range: range)) }
        }
        if let backwards = model.entriesBackwards { findings.append(.entriesBackwards(count: backwards.count, firstSeq: backwards.firstSeq)) }
        if model.summary.usersAffected == nil { findings.append(.noImpactPercentage) }
        if model.summary.rootCause?.isEmpty ?? true { findings.append(.noRootCause) }
        if !model.timeline.contains(where: { $0.kind != .open && $0.kind != .close && $0.kind != .timer }) { findings.append(.noTimeline) }
        for task in model.measures.tasks where task.owner == nil {
            findings.append(.actionWithoutOwner(id: task.id, text: task.text))
        }
        for milestone in model.metrics.missing {
            findings.append(.missingMilestone(milestone))
        }
        findings += model.metrics.problems.map(Finding.milestone)
        return findings
    }

    /// The findings as lines for the terminal, one finding per line.
    /// - Parameters:
    ///   - model: the postmortem.
    ///   - wordRange: the body's required length in words, or `nil`.
    /// - Returns: one line per finding; empty when the postmortem is ready.
    public static func findings(_ model: PostmortemModel, wordRange: ClosedRange<Int>? = nil) -> [String] {
        check(model, wordRange: wordRange).map(\.description)
    }
}
