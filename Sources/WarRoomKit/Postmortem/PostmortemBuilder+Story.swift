/// The story a reader needs, told from the record: the configuration changes as steps
/// (trigger, rollback, permanent fix), the reading that showed relief, how the incident was
/// detected, the body's timeline, and the probe readings each decision rested on.
extension PostmortemBuilder {
    /// At most this many parts in a step's summary.
    static let summaryParts = 6

    /// Changes further apart than this start a new step.
    static let stepGap: Int64 = 10 * 60_000

    // MARK: - Configuration steps

    /// Groups consecutive changes into steps and names the part each played.
    ///
    /// A step is a run of changes by the same kind of author (people, or automation such as a
    /// scenario event) with no more than ten minutes between two of them and no mitigation in
    /// between; a rollback is a step of its own. The trigger is the last step before the impact
    /// started (or before detection); the rollback is the first rollback after it; without a
    /// rollback, the mitigation is the last step before `mitigated`; the permanent fix is the
    /// first step after the rollback or mitigation that comes before the resolution.
    /// - Returns: the steps, and when each change was made and the version it made, for the
    ///   chart's markers (read in the same pass: a long incident's changes are made as read).
    func makeConfigSteps(_ changes: PostmortemList<PostmortemModel.ConfigChange>)
        -> (steps: [PostmortemModel.ConfigStep], marks: [(at: Instant, version: Int?)])
    {
        // One pass over the changes, each made once (a long incident's are made as they are
        // read), closing a step when the next change does not join it.
        var marks: [(at: Instant, version: Int?)] = []
        let mitigated = state.milestone(.mitigated)
        func automated(_ change: PostmortemModel.ConfigChange) -> Bool { !authors.contains(change.by) }
        var steps: [PostmortemModel.ConfigStep] = []
        var run: ConfigRun?
        for change in changes {
            if let last = run?.final, change.action != "rollback", last.action != "rollback",
               change.at - last.at <= Self.stepGap, change.at >= last.at, automated(change) == automated(last),
               !(mitigated.map { last.at < $0 && $0 <= change.at } ?? false)
            {
                run?.add(change)
            } else {
                if let run { steps.append(run.step) }
                run = ConfigRun(change)
            }
            marks.append((change.at, change.version))
        }
        if let run { steps.append(run.step) }
        let anchor = state.milestone(.impactStart) ?? state.milestone(.detected)
        var after = 0
        if let anchor, let trigger = steps.lastIndex(where: { $0.from <= anchor + 60_000 && $0.rollbackTo == nil }) {
            steps[trigger].role = .trigger
            after = trigger + 1
        }
        var remedy: Int?
        if let rollback = steps[after...].firstIndex(where: { $0.rollbackTo != nil }) {
            steps[rollback].role = .rollback
            remedy = rollback
        } else if let mitigated, let change = steps[after...].lastIndex(where: { $0.to <= mitigated }) {
            steps[change].role = .mitigation
            remedy = change
        }
        if let remedy, remedy + 1 < steps.count {
            let end = state.milestone(.resolved) ?? state.closedAt ?? state.lastAt
            if steps[remedy + 1].from <= end, steps[remedy + 1].rollbackTo == nil { steps[remedy + 1].role = .fix }
        }
        return (steps, marks)
    }

    /// A run of consecutive changes becoming a step of the story, a change at a time.
    struct ConfigRun {
        let first: PostmortemModel.ConfigChange
        private(set) var final: PostmortemModel.ConfigChange
        private var by: [String] = []
        private var rollback: PostmortemModel.ConfigChange?
        private var seqs: [Int] = []
        private var net = NetEffect()

        init(_ change: PostmortemModel.ConfigChange) {
            first = change
            final = change
            add(change)
        }

        mutating func add(_ change: PostmortemModel.ConfigChange) {
            if !by.contains(change.by) { by.append(change.by) }
            if rollback == nil, change.action == "rollback" { rollback = change }
            seqs.append(change.seq)
            net.add(change)
            final = change
        }

        var step: PostmortemModel.ConfigStep {
            PostmortemModel.ConfigStep(
                role: .other, from: first.at, to: final.at, by: by, fromVersion: first.fromVersion,
                version: final.version, rollbackTo: rollback.flatMap { $0.value.flatMap { Int($0) } }, changeCount: seqs.count,
                summary: net.summary, seqs: seqs)
        }
    }

    /// The net effect of a run of changes, a change at a time: for each server and field, where
    /// it started and where it ended up, compactly (a weight lowered then raised back is no
    /// change).
    struct NetEffect {
        private var order: [String] = []
        private var net: [String: (kind: String, name: String, from: String, to: String)] = [:]
        private var others: [String] = []
        private var seen: Set<String> = []
        private var namesChanges = false

        mutating func add(_ change: PostmortemModel.ConfigChange) {
            if !change.changes.isEmpty { namesChanges = true }
            for line in change.changes {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, let colon = parts[1].firstIndex(of: ":"), let arrow = parts[1].range(of: " → ") else {
                    if seen.insert(line).inserted { others.append(line) }
                    continue
                }
                let name = String(parts[1][..<colon])
                let from = String(parts[1][parts[1].index(after: colon)..<arrow.lowerBound]).trimmed(of: " ")
                let to = String(parts[1][arrow.upperBound...]).trimmed(of: " ")
                let key = "\(parts[0]) \(name)"
                if let known = net[key] {
                    net[key] = (known.kind, known.name, known.from, to)
                } else {
                    order.append(key)
                    net[key] = (String(parts[0]), name, from, to)
                }
            }
        }

        var summary: String {
            let lines = order.compactMap { key -> String? in
                guard let change = net[key], change.from != change.to else { return nil }
                return "\(change.kind) \(change.name): \(change.from) → \(change.to)"
            }
            // Grouped by field and transition; a long run of unrelated changes is cut after a few.
            var parts = ConfigurationChangeSummary.compact(lines).split(separator: ";").map { String($0).trimmed(of: " ") }.filter { !$0.isEmpty } + others
            if parts.count > PostmortemBuilder.summaryParts {
                let more = parts.count - PostmortemBuilder.summaryParts + 1
                parts = Array(parts.prefix(PostmortemBuilder.summaryParts - 1)) + ["\(more) more (see the Appendix)"]
            }
            let summary = parts.joined(separator: "; ")
            // An entry that names no changes (an older transcript's rollback, say) says nothing
            // here; its text is in the Appendix.
            return summary.isEmpty && namesChanges ? "no net change" : summary
        }
    }

    // MARK: - Relief

    /// The error rate just before the rollback (or the mitigating change, or `mitigated`) and
    /// the first reading at or after `mitigated`.
    func makeRelief(_ resolution: PostmortemModel.Resolution, liveSeries: [ProbeSeries]) -> PostmortemModel.Comparison? {
        guard let mitigated = resolution.mitigatedAt,
            let kind = liveSeries.first(where: { $0.probe == "errors" }), let index = kind.metricIndex["error_rate"]
        else { return nil }
        let remedy = resolution.step(.rollback) ?? resolution.step(.mitigation)
        let rows = kind.rows
        /// The first reading of `error_rate` among `candidates`.
        func reading(_ candidates: some Sequence<Int>) -> PostmortemModel.Reading? {
            for row in candidates {
                if let value = rows.value(row, index) { return PostmortemModel.Reading(seq: rows.seqs[row], at: rows.ats[row], value: value) }
            }
            return nil
        }
        let beforeSeq = remedy?.seqs.first ?? Int.max
        let beforeTime = remedy?.from ?? mitigated
        // The proof comes after the fix: a reading whose window began before the change is mostly
        // the state the change ended, not its relief.
        let fixedAt = remedy?.to ?? remedy?.from
        guard let before = reading(rows.indices.reversed().lazy.filter { rows.seqs[$0] < beforeSeq && rows.ats[$0] <= beforeTime }),
            let after = reading(rows.indices.lazy.filter { row in
                rows.ats[row] >= mitigated && rows.seqs[row] > before.seq && (fixedAt == nil || rows.windowFrom(row).map { $0 >= fixedAt! } ?? true)
            })
        else { return nil }
        return PostmortemModel.Comparison(probe: "errors", metric: "error_rate", before: before, after: after, latest: nil)
    }

    // MARK: - Detection

    func makeDetection(_ record: Corrections, tasks: [PostmortemModel.Task]) -> PostmortemModel.Detection {
        let detected = state.milestones[Milestone.detected.rawValue]
        let named = detected.flatMap { record in kept(.milestone).first { $0.seq == record.seq }?.data["alert"]?.stringValue }
        var alert: PostmortemModel.AlertFiring?
        for entry in kept(.alert) where record.isLive(entry) && entry.data["state"]?.stringValue == "firing" {
            let firing = Self.alertFiring(entry)
            if let named, firing.name == named { alert = firing; break }
            if alert == nil { alert = firing }
        }
        let impactStart = state.milestone(.impactStart)
        let timeToDetect = impactStart.flatMap { start in detected.map { $0.time - start } }
        var sooner: [String] = []
        if let alert {
            // What delayed the page: the rule's wait, and how long after the impact its condition began.
            var parts: [String] = []
            if let since = alert.since, let hold = alert.forSeconds, hold > 0 {
                parts.append("its condition held from \(since.hourMinute) UTC and the rule waited \(MetricText.duration(milliseconds: Int64(hold) * 1000))")
            }
            if let impactStart, (alert.since ?? alert.at) > impactStart + 60_000 {
                parts.append("the condition came \(MetricText.duration(milliseconds: (alert.since ?? alert.at) - impactStart)) after the impact started")
            }
            if !parts.isEmpty { sooner.append("Alert \(alert.name): " + parts.joined(separator: "; ") + ".") }
        } else if detected != nil {
            sooner.append("No monitoring alert is on the record.")
        }
        let aimed = tasks.filter { task in
            task.type != ActionItem.Kind.mitigate.rawValue && Self.detectionWords.contains { task.text.lowercased().contains($0) }
        }
        if !aimed.isEmpty {
            let ids = aimed.map(\.id)
            sooner.append("Sooner next time: " + (ids.count == 1 ? ids[0] : ids.dropLast().joined(separator: ", ") + " and " + ids.last!) + ", among the action items.")
        }
        return PostmortemModel.Detection(
            detectedAt: detected?.time, detectedBy: detected?.by,
            how: detected.flatMap { Self.milestoneDetail($0.text, .detected) }, alert: alert, impactStart: impactStart,
            timeToDetect: timeToDetect, sooner: sooner)
    }

    /// Words that mark an action item as one about noticing sooner.
    static let detectionWords = ["alert", "monitor", "detect", "page ", "paging", "dashboard", "post-change check", "watch"]

    static func alertFiring(_ entry: TranscriptEntry) -> PostmortemModel.AlertFiring {
        let data = entry.data
        return PostmortemModel.AlertFiring(
            name: data["alert"]?.stringValue ?? "alert", at: entry.at, metric: data["metric"]?.stringValue, value: data["value"]?.doubleValue,
            threshold: data["threshold"]?.doubleValue, comparison: data["comparison"]?.stringValue, forSeconds: data["for_s"]?.intValue,
            since: data["since"]?.stringValue.flatMap(Instant.parseISO8601), seq: entry.seq)
    }

    // MARK: - The body's timeline

    /// How much a candidate bullet matters, most first.
    enum Weight: Int, Comparable {
        case essential, important, useful, optional
        static func < (a: Weight, b: Weight) -> Bool { a.rawValue < b.rawValue }
    }

    /// At most this many bullets, highlighted ones included (unless they alone are more).
    static let curatedLimit = 20
    /// About this many words in the body's timeline.
    static let curatedWords = 140

    func makeCuratedTimeline(_ record: Corrections, resolution: PostmortemModel.Resolution, liveSeries: [ProbeSeries]) -> PostmortemModel.CuratedTimeline {
        // Curation entries, latest first wins; a retracted one no longer counts.
        var highlighted: [Int: String?] = [:]
        var omitted: [Int: String] = [:]
        for entry in kept(.highlight, .omit) where record.isLive(entry) {
            guard let target = entry.data["target"]?.intValue else { continue }
            if entry.kind == .highlight {
                highlighted[target] = .some(entry.data["reason"]?.stringValue)
                omitted[target] = nil
            } else {
                omitted[target] = entry.data["reason"]?.stringValue ?? entry.text
                highlighted[target] = nil
            }
        }
        var candidates: [(event: PostmortemModel.CuratedEvent, weight: Weight)] = []
        func add(_ at: Instant, until: Instant? = nil, _ kind: PostmortemModel.TimelineKind, _ text: String, by: String?, seq: Int,
                 recordedAt: Instant? = nil, _ weight: Weight) {
            candidates.append((PostmortemModel.CuratedEvent(at: at, until: until, kind: kind, text: text, by: by, seq: seq, recordedAt: recordedAt,
                                                            highlighted: false), weight))
        }
        // The last reminder to page `to` at or before `at`: an escalation an alert rule made,
        // else the playbook's timer.
        let ruleEscalations = kept(.escalation).filter { $0.data["rule"] != nil }
        func lastReminder(to: String, before at: Instant) -> Instant? {
            if let rule = ruleEscalations.last(where: { $0.at <= at && ($0.data["page"] ?? $0.data["to"])?.stringValue == to }) { return rule.at }
            guard let times = reminderTimes[to] else { return nil }
            return times.indices.reversed().lazy.map { times[$0] }.first { $0 <= at }
        }
        // The first and last live updates: only they are read (a long incident's are put down).
        let updates = kept(.update)
        let firstUpdate = updates.indices.first { record.retracted[updates.seq($0)] == nil }.map { updates[$0] }
        let lastUpdate = updates.indices.last { record.retracted[updates.seq($0)] == nil }.map { updates[$0] }
        var alertsSeen: Set<String> = []
        // The steps of the story by the command that opened them.
        var stepsByFirstSeq: [Int: PostmortemModel.ConfigStep] = [:]
        for step in resolution.steps { if let first = step.seqs.first { stepsByFirstSeq[first] = step } }

        // The kinds this story tells, in transcript order; a load balancer command only when it
        // opens a configuration step.
        let told = kept(.milestone, .alert, .hypothesis, .escalation, .lb, .error, .severity)
        for index in told.indices {
            let seq = told.seq(index)
            guard record.retracted[seq] == nil else { continue }
            if told.kind(index) == .lb, stepsByFirstSeq[seq] == nil { continue }
            let entry = told[index]
            let data = entry.data
            switch entry.kind {
            case .milestone:
                guard let name = data["milestone"]?.stringValue, let milestone = Milestone(rawValue: name),
                    let current = state.milestones[name], current.seq == entry.seq
                else { continue }
                // The first `escalate` marks `escalated` too; its bullet says so.
                if milestone == .escalated, kept(.escalation).contains(where: { record.isLive($0) && $0.data["rule"] == nil && $0.at == current.time }) {
                    continue
                }
                // The body says what happened; what was said when it was marked is in the Appendix,
                // except how it was detected and what showed relief or resolution.
                var text = Self.milestoneTitle(name)
                if milestone == .detected, let alert = data["alert"]?.stringValue { text += " from alert \(alert)" }
                if milestone == .mitigated, let relief = resolution.relief {
                    text += ": errors \(MetricText.percent(relief.before.value)) at \(relief.before.at.hourMinute) → \(MetricText.percent(relief.after.value)) at \(relief.after.at.hourMinute)"
                } else if milestone == .mitigated || milestone == .resolved, let detail = Self.milestoneDetail(record.text(entry), milestone) {
                    text += ": " + BriefText.brief(detail, words: 8)
                }
                let weight: Weight = [.impactStart, .detected, .mitigated, .resolved].contains(milestone) ? .essential : .important
                add(current.time, .milestone, text, by: entry.by, seq: entry.seq, recordedAt: current.time == entry.at ? nil : entry.at, weight)
            case .alert:
                guard data["state"]?.stringValue == "firing", let name = data["alert"]?.stringValue, alertsSeen.insert(name).inserted else { continue }
                add(entry.at, .alert, BriefText.brief(entry.text.isEmpty ? "Alert \(name) fired" : entry.text, words: 16), by: nil, seq: entry.seq, .important)
            case .hypothesis:
                guard let id = data["id"]?.stringValue, let hypothesis = record.hypotheses[id], hypothesis.seq == entry.seq else { continue }
                // One bullet from raised to decided: the time span says when, the text why.
                var text = "\(id) \(BriefText.brief(hypothesis.text, words: 5, shortestLead: 1).trimmingTrailingPeriod)"
                let weight: Weight
                switch hypothesis.status {
                case .ruledOut, .confirmed:
                    text += hypothesis.status == .confirmed ? " confirmed" : " ruled out"
                    if let reason = hypothesis.reason, !reason.isEmpty { text += ": " + BriefText.brief(reason, words: 6) }
                    weight = hypothesis.status == .confirmed ? .important : .useful
                case .open:
                    text += ": never ruled out or confirmed"
                    weight = .optional
                }
                add(entry.at, until: hypothesis.resolvedAt, .hypothesis, text, by: hypothesis.raisedBy, seq: entry.seq, weight)
            case .escalation:
                guard data["rule"] == nil, let to = data["to"]?.stringValue else { continue }
                var text = "\(entry.by) escalated to \(to)"
                if let reminded = lastReminder(to: to, before: entry.at) {
                    let gap = entry.at - reminded
                    text += gap > 0 ? ", \(MetricText.duration(milliseconds: gap)) after the playbook's reminder to page them" : ", when the playbook reminded to page them"
                }
                add(entry.at, .escalation, text, by: entry.by, seq: entry.seq, .important)
            case .lb:
                guard let step = stepsByFirstSeq[entry.seq] else { continue }
                let weight: Weight = step.role == .other ? .optional : .essential
                add(step.from, until: step.to > step.from ? step.to : nil, .lb, Self.stepHeadline(step), by: step.by.joined(separator: ", "), seq: entry.seq, weight)
            case .error:
                // A load balancer change refused because a colleague's landed first is told
                // where it happened; the Appendix has every refusal.
                guard data["conflict"]?["on"] == "configuration", let refusal = Self.refusal(entry) else { continue }
                add(entry.at, .lb, refusal.text, by: entry.by, seq: entry.seq, .important)
            case .severity:
                let change = "Severity \(data["from"]?.stringValue ?? "?") → \(data["to"]?.stringValue ?? "?")"
                let reason = data["reason"]?.stringValue.flatMap { $0.isEmpty ? nil : BriefText.brief($0, words: 10) }
                add(entry.at, .severity, change + (reason.map { ": " + $0 } ?? "") + " (\(entry.by))", by: entry.by, seq: entry.seq, .useful)
            default:
                break
            }
        }
        if let first = firstUpdate {
            add(first.at, .update, "First update: " + BriefText.brief(record.text(first), words: 7), by: first.by, seq: first.seq, .useful)
        }
        if let last = lastUpdate, last.seq != firstUpdate?.seq {
            add(last.at, .update, "Final update: " + BriefText.brief(record.text(last), words: 7), by: last.by, seq: last.seq, .useful)
        }

        // What responders highlighted that is not already there.
        var forced: [PostmortemModel.CuratedEvent] = []
        for (target, reason) in highlighted.sorted(by: { $0.key < $1.key }) {
            if let index = candidates.firstIndex(where: { $0.event.seq == target }) {
                candidates[index].event.highlighted = true
                forced.append(candidates.remove(at: index).event)
            } else if let event = highlightedEvent(target, reason: reason ?? nil, record, liveSeries: liveSeries) {
                forced.append(event)
            }
        }
        candidates.removeAll { omitted[$0.event.seq] != nil }
        // The most important first, in the order they happened, while there is room: at most
        // `curatedLimit` bullets and about `curatedWords` words (what matters most always goes in).
        var room = max(0, Self.curatedLimit - forced.count)
        var words = forced.reduce(0) { $0 + BriefText.wordCount($1.text) + 2 }
        var chosen: [PostmortemModel.CuratedEvent] = []
        for candidate in candidates.enumerated().sorted(by: { ($0.element.weight, $0.offset) < ($1.element.weight, $1.offset) }) {
            let cost = BriefText.wordCount(candidate.element.event.text) + 2
            guard room > 0, candidate.element.weight == .essential || words + cost <= Self.curatedWords else { continue }
            chosen.append(candidate.element.event)
            room -= 1
            words += cost
        }
        var events = forced + chosen
        events.sort { $0.at != $1.at ? $0.at < $1.at : $0.seq < $1.seq }
        let chosenSeqs = Set(chosen.map(\.seq))
        let left = candidates.map(\.event).filter { !chosenSeqs.contains($0.seq) }.sorted { ($0.at, $0.seq) < ($1.at, $1.seq) }
            .map { PostmortemModel.LeftOut(seq: $0.seq, at: $0.at, what: BriefText.brief($0.text, words: 4, shortestLead: 1)) }
        return PostmortemModel.CuratedTimeline(
            events: events, leftOut: candidates.count - chosen.count, leftOutEvents: left,
            omitted: omitted.sorted { $0.key < $1.key }.map { PostmortemModel.Omission(seq: $0.key, reason: $0.value) })
    }

    /// A configuration step in a few words, for the body's timeline: `Rollback to v1 by omar (configuration v3)`.
    static func stepHeadline(_ step: PostmortemModel.ConfigStep) -> String {
        let who = step.by.joined(separator: ", ")
        let version = step.version.map { "configuration v\($0)" } ?? "a configuration change"
        let count = step.changeCount > 1 ? " (\(step.changeCount) changes\(step.fromVersion.map { " from v\($0)" } ?? ""))" : ""
        switch step.role {
        case .trigger: return "\(version.prefix(1).uppercased() + version.dropFirst()) by \(who)\(count): the trigger"
        case .rollback: return "Rollback to v\(step.rollbackTo.map(String.init) ?? "?") by \(who)"
        case .mitigation: return "\(version.prefix(1).uppercased() + version.dropFirst()) by \(who)\(count): the mitigating change"
        case .fix: return "Permanent fix by \(who): \(version)"
        case .other: return "\(version.prefix(1).uppercased() + version.dropFirst()) by \(who)\(count)"
        }
    }

    /// A configuration step with what it changed: `rollback to v1 by omar (configuration v3): weight 25 → 100 on msg-01…msg-27 (27)`.
    static func stepText(_ step: PostmortemModel.ConfigStep) -> String {
        step.summary.isEmpty ? stepHeadline(step) : stepHeadline(step) + ": " + step.summary
    }

    /// The bullet for a highlighted entry the body would not otherwise show.
    func highlightedEvent(_ seq: Int, reason: String?, _ record: Corrections, liveSeries: [ProbeSeries]) -> PostmortemModel.CuratedEvent? {
        guard record.retracted[seq] == nil else { return nil }
        let why = reason.map { " (\(BriefText.brief($0, words: 10)))" } ?? ""
        if let ref = probeRow(seq: seq) {
            let kind = series[ref.series]
            let row = kind.rows[ref.row]
            let figures = zip(kind.metrics, row.values).compactMap { name, value in value.map { "\(name.replacingUnderscores) \(MetricText.format($0, metric: name))" } }
            return PostmortemModel.CuratedEvent(at: row.at, kind: .probe, text: "Probe \(kind.probe): " + figures.prefix(4).joined(separator: ", ") + why,
                                                by: nil, seq: seq, recordedAt: nil, highlighted: true)
        }
        // Found by seq before it is read: a long incident's entries are put down.
        guard let position = notable.indices.first(where: { notable.seq($0) == seq }) else { return nil }
        let entry = notable[position]
        let text = Self.strippingTags(record.text(entry))
        let head: String =
            switch entry.kind {
            case .note: BriefText.brief(text, words: 16)
            case .lb: "Configuration " + (LoadBalancerChangeRecord(entry: entry)?.versionLabel ?? "change") + ": " + ConfigurationChangeSummary.compact(Self.changeLines(entry.data))
            case .timer: "Reminder: " + BriefText.brief(text, words: 14)
            default: BriefText.brief(text.isEmpty ? entry.kind.rawValue : text, words: 16)
            }
        let kind = PostmortemModel.TimelineKind(rawValue: entry.kind.rawValue) ?? .note
        return PostmortemModel.CuratedEvent(at: entry.at, kind: kind, text: head + why, by: entry.kind == .timer ? nil : entry.by, seq: seq,
                                            recordedAt: nil, highlighted: true)
    }

    /// A refused command (`error` with `data.conflict`) as the postmortem tells it: whose
    /// command, what it would have done, and whose move came first.
    static func refusal(_ entry: TranscriptEntry) -> (kind: PostmortemModel.TimelineKind, text: String)? {
        guard let conflict = entry.data["conflict"]?.objectValue else { return nil }
        let typed = entry.input.map { "'\(Display.firstLine($0, limit: 60))'" } ?? "a command"
        let mover = conflict["moved_by"]?.stringValue ?? "someone"
        let on = conflict["on"]?.stringValue ?? ""
        let moved = on == "configuration" ? "\(mover)'s change (v\(conflict["version"]?.intValue.map(String.init) ?? "?")) had landed after \(entry.by) last looked"
            : "\(mover) had moved \(on) first"
        let kind: PostmortemModel.TimelineKind = on == "configuration" ? .lb : on.hasPrefix("hypothesis") ? .hypothesis : on == "step" ? .step : .note
        return (kind, "Refused \(entry.by)'s \(typed): \(moved); nothing was changed")
    }

    /// `03:45 UTC`, with the date when it is not the incident's first day.
    func clock(_ at: Instant) -> String {
        at.date == state.openedAt.date ? "\(at.hourMinute) UTC" : "\(at.date) \(at.hourMinute) UTC"
    }

    // MARK: - Relevant readings

    /// The probe readings a decision rested on: of the probes run before it, those whose
    /// figures the reason quotes or whose subject the hypothesis names (traffic for a DDoS,
    /// the database for a database), best first; not simply the latest probes.
    func relevantCitations(hypothesis: String, reason: String?, decidedSeq: Int, raisedSeq: Int, limit: Int) -> [PostmortemModel.Citation] {
        let text = (hypothesis + " " + (reason ?? "")).lowercased()
        let quoted = Self.quotedNumbers(in: reason ?? "")
        var scored: [(score: Int, seq: Int, ref: ProbeRef)] = []
        for (index, kind) in series.enumerated() {
            var candidate = kind.rows.seqs.partitioningIndex { $0 >= decidedSeq } - 1
            while candidate >= 0, state.retractions[kind.rows.seqs[candidate]] != nil { candidate -= 1 }
            guard candidate >= 0 else { continue }
            let row = candidate
            var score = 0
            for (word, weight) in Self.probeWords[kind.probe] ?? [] where text.contains(word) { score += weight }
            for (metric, value) in zip(kind.metrics, kind.rows[row].values) {
                guard let value, quoted.contains(where: { Self.quotes($0, value, metric: metric) }) else { continue }
                // A quoted zero (`loss 0.0%`) matches any figure that is nothing: it counts for little.
                score += value == 0 ? 1 : 5
            }
            if kind.rows.seqs[row] > raisedSeq { score += 1 }
            if score > 1 { scored.append((score, kind.rows.seqs[row], ProbeRef(series: index, row: row))) }
        }
        guard let best = scored.map(\.score).max() else { return [] }
        return scored.filter { $0.score * 3 >= best }.sorted { ($0.score, $0.seq) > ($1.score, $1.seq) }.prefix(limit).map { item in
            let kind = series[item.ref.series]
            let row = kind.rows[item.ref.row]
            var values: [PostmortemModel.MetricValue] = []
            for (index, value) in row.values.enumerated() {
                if let value { values.append(PostmortemModel.MetricValue(name: kind.metrics[index], value: value)) }
            }
            return PostmortemModel.Citation(seq: row.seq, at: row.at, probe: kind.probe, values: values)
        }
    }

    /// Words that name what each probe looks at, with how strongly (3: its subject, 1: related).
    static let probeWords: [String: [(String, Int)]] = [
        "errors": [("error rate", 3), ("errors", 3), ("5xx", 3), ("timeout", 1), ("fail", 1)],
        "traffic": [("traffic", 3), ("ddos", 3), ("botnet", 3), ("flood", 1), ("surge", 1), ("baseline", 1), ("source", 1), ("attack", 1)],
        "latency": [("p99", 3), ("p50", 3), ("response time", 3), ("latency", 1), ("slow", 1)],
        "distribution": [("skew", 3), ("distribution", 3), ("weight", 3), ("concentrat", 1), ("share", 1), ("utilization", 1), ("imbalance", 1)],
        "health": [("health", 3), ("flap", 1), ("checks", 1), ("marked down", 1)],
        "config": [("configuration", 3), ("config ", 3), ("version", 1), ("change", 1), ("maintenance", 1), ("rollback", 1)],
        "db": [("database", 3), ("db ", 3), ("quer", 1), ("sql", 1)],
        "network": [("network", 3), ("rtt", 3), ("round trip", 3), ("packet", 1), ("loss", 1)],
        "backend": [("backend", 1), ("server", 1)],
    ]

    /// Numbers written in a text (`9,077`, `1.00x`, `3.9%`), with whether each was a percentage;
    /// digits inside names (`msg-29`, `v2`) are not numbers.
    static func quotedNumbers(in text: String) -> [(value: Double, places: Int, percent: Bool)] {
        let scalars = Array(text.unicodeScalars)
        var result: [(Double, Int, Bool)] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let startsNumber = scalar.properties.numericType == .decimal && scalar.isASCII
            let previous = index > 0 ? scalars[index - 1] : " "
            guard startsNumber, !(previous.properties.isAlphabetic || previous == "-" || previous == "_" || previous.properties.numericType != nil) else {
                index += 1
                continue
            }
            var digits = ""
            var places = -1
            while index < scalars.count {
                let c = scalars[index]
                if c.isASCII, c.properties.numericType == .decimal {
                    digits.unicodeScalars.append(c)
                    if places >= 0 { places += 1 }
                } else if c == ",", places < 0, index + 3 < scalars.count, (1...3).allSatisfy({ scalars[index + $0].properties.numericType == .decimal }) {
                    // A thousands separator.
                } else if c == ".", places < 0, index + 1 < scalars.count, scalars[index + 1].properties.numericType == .decimal {
                    digits.append(".")
                    places = 0
                } else {
                    break
                }
                index += 1
            }
            var next = index
            while next < scalars.count, scalars[next] == " " { next += 1 }
            let percent = next < scalars.count && scalars[next] == "%"
            if let value = Double(digits) { result.append((value, max(0, places), percent)) }
        }
        return result
    }

    /// Whether a number as written stands for a reading (rounded as it was written).
    static func quotes(_ number: (value: Double, places: Int, percent: Bool), _ reading: Double, metric: String) -> Bool {
        let isFraction = MetricText.isFraction(metric)
        guard number.percent == isFraction else { return false }
        let shown = isFraction ? reading * 100 : reading
        var tolerance = 0.5
        for _ in 0..<number.places { tolerance /= 10 }
        return abs(shown - number.value) <= tolerance + 1e-9
    }
}
