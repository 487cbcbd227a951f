extension PostmortemBuilder {
    /// Turns what was collected into the postmortem, applying amends and retractions.
    /// - Parameters:
    ///   - transcriptFile: the transcript's file name, for the header.
    ///   - verification: the hash chain check, if one was made.
    ///   - torn: an unterminated last line left by a crash.
    ///   - badLines: lines that could not be decoded and were left out.
    func finish(transcriptFile: String, verification: VerifyReport?, torn: TornLine?, badLines: [TranscriptLineError]) -> PostmortemModel {
        var record = Corrections(builder: self)
        record.tagged = taggedNotes(record)
        record.index(self)
        // Copied without the retracted results only when a result was retracted: the rows are
        // the bulk of a long incident's postmortem, and a retraction is nearly always of words.
        // (Looked up by seq, not searched for: a transcript that fails verification, compiled
        // all the same, can hold seqs out of order.)
        let retractsAResult = !state.retractions.isEmpty && series.contains { $0.rows.seqs.contains { state.retractions[$0] != nil } }
        let liveSeries = !retractsAResult ? series : series.map { kind in
            var kept = kind
            kept.rows = kind.rows.filter { state.retractions[$0] == nil }
            return kept
        }
        let metrics = makeMetrics()
        var resolution = makeResolution(record, liveSeries: liveSeries)
        let (steps, changeMarks) = makeConfigSteps(resolution.configChanges)
        resolution.steps = steps
        resolution.relief = makeRelief(resolution, liveSeries: liveSeries)
        let tasks = state.actions.compactMap { record.actions[$0.id] }.map(Self.task)
        var summary = makeSummary(record, liveSeries: liveSeries, resolution: resolution)
        summary.measuredImpact = Self.measuredImpact(measuredSeries(), window: impactWindow())
        let timeline = makeTimeline(record)
        let misleadingPaths = makeMisleadingPaths(record)
        var warnings = readWarnings(verification: verification, torn: torn, badLines: badLines)
        warnings += recordWarnings(metrics)
        return PostmortemModel(
            incident: makeIncident(transcriptFile: transcriptFile, verification: verification),
            summary: summary,
            timeline: timeline,
            curated: makeCuratedTimeline(record, resolution: resolution, liveSeries: liveSeries),
            detection: makeDetection(record, tasks: tasks),
            misleadingPaths: misleadingPaths,
            resolution: resolution,
            measures: PostmortemModel.Measures(improvements: tasks.filter { $0.type != ActionItem.Kind.mitigate.rawValue }, tasks: tasks),
            metrics: metrics,
            lessons: makeLessons(record),
            adherence: makeAdherence(record),
            evidence: PostmortemModel.Evidence(probes: liveSeries.compactMap(Self.table), chart: makeChart(liveSeries, steps: resolution.steps, changes: changeMarks)),
            warnings: warnings,
            entriesBackwards: firstBackwards.map { PostmortemModel.EntriesBackwards(count: backwards, firstSeq: $0.seq) },
            notifications: state.notifications.values.filter { state.retractions[$0.seq] == nil }.sorted { $0.seq < $1.seq })
    }

    /// Which entries were retracted, and the corrected text of amended ones.
    struct Corrections {
        var retracted: [Int: String]
        var amended: [Int: String]
        /// Live notes by postmortem tag (`went-well`, `impact` …): which notes, found once; each
        /// lesson is made when it is read.
        var tagged: [String: PostmortemList<PostmortemModel.Lesson>] = [:]
        /// The fold's hypotheses and actions by id, for lookups per entry.
        var hypotheses: [String: Hypothesis] = [:]
        var actions: [String: ActionItem] = [:]

        init(builder: PostmortemBuilder) {
            retracted = builder.state.retractions
            amended = [:]
            // An amend that was itself retracted no longer corrects anything.
            for amend in builder.amends where retracted[amend.seq] == nil {
                amended[amend.target] = amend.text
            }
        }

        /// Indexes the fold's hypotheses and actions by id, with texts from their entries as
        /// corrected here: the fold applies an amend even when the amend was later retracted.
        mutating func index(_ builder: PostmortemBuilder) {
            for hypothesis in builder.state.hypotheses { hypotheses[hypothesis.id] = hypothesis }
            for action in builder.state.actions { actions[action.id] = action }
            for entry in builder.kept(.hypothesis, .action) {
                guard let id = entry.data["id"]?.stringValue else { continue }
                if entry.kind == .hypothesis, let seq = hypotheses[id]?.seq {
                    if seq == entry.seq {
                        let corrected = text(entry)
                        hypotheses[id]?.text = corrected
                    } else if isLive(entry), let status = entry.data["status"]?.stringValue, status != "open" {
                        let reason = amended[entry.seq] ?? entry.data["reason"]?.stringValue ?? entry.text
                        hypotheses[id]?.reason = reason
                    }
                }
                if entry.kind == .action, actions[id]?.seq == entry.seq {
                    let corrected = text(entry)
                    actions[id]?.text = corrected
                }
            }
        }

        func isLive(_ entry: TranscriptEntry) -> Bool { retracted[entry.seq] == nil }
        func text(_ entry: TranscriptEntry) -> String { amended[entry.seq] ?? entry.text }
    }

    // MARK: - Header

    func makeIncident(transcriptFile: String, verification: VerifyReport?) -> PostmortemModel.Incident {
        var responders: [PostmortemModel.Responder] = []
        for name in state.responders where authors.contains(name) || !state.roles(of: name).isEmpty {
            responders.append(PostmortemModel.Responder(name: name, roles: state.roles(of: name)))
        }
        for (_, name) in state.roles where !responders.contains(where: { $0.name == name }) {
            responders.append(PostmortemModel.Responder(name: name, roles: state.roles(of: name)))
        }
        let open = state.openData
        let playbook = open["playbook"]?.objectValue.flatMap { object -> PostmortemModel.PlaybookReference? in
            guard let id = object["id"]?.stringValue else { return nil }
            return PostmortemModel.PlaybookReference(id: id, version: object["version"]?.intValue, sha256: object["sha256"]?.stringValue)
        }
        let scenario = open["scenario"]?.objectValue.flatMap { object -> PostmortemModel.ScenarioReference? in
            guard let id = object["id"]?.stringValue else { return nil }
            return PostmortemModel.ScenarioReference(id: id, seed: object["seed"]?.intValue)
        }
        return PostmortemModel.Incident(
            id: state.id, title: state.title, severity: state.severity, status: state.status.rawValue,
            openedAt: state.openedAt, openedBy: state.openedBy, responders: responders, playbook: playbook, scenario: scenario,
            transcriptFile: transcriptFile, finalHash: state.lastHash, entryCount: state.entryCount,
            verified: verification.map(\.isValid), writtenAt: open["after_the_fact"]?["written"]?.stringValue.flatMap(Instant.parseISO8601))
    }

    // MARK: - Summary

    func makeSummary(_ record: Corrections, liveSeries: [ProbeSeries], resolution: PostmortemModel.Resolution) -> PostmortemModel.Summary {
        let (start, startBasis): (Instant, PostmortemModel.StartBasis) =
            if let time = state.milestone(.impactStart) { (time, .impactStart) }
            else if let time = state.milestone(.detected) { (time, .detected) }
            else { (state.openedAt, .opened) }
        let (end, endBasis): (Instant, PostmortemModel.EndBasis) =
            if let time = state.milestone(.resolved) { (time, .resolved) }
            else if let time = state.closedAt { (time, .closed) }
            else { (state.lastAt, .lastEntry) }
        let window = impactWindow()
        let stated = state.impact.flatMap { Self.percentage(in: $0.text) }
        var usersAffected: Double?
        var source: PostmortemModel.UsersAffectedSource?
        if let stated {
            usersAffected = stated
            source = .impactStatement
        } else if let measured = Self.probedUsersAffected(liveSeries, window: window) {
            usersAffected = measured
            source = .probes
        }
        let mitigated = state.milestone(.mitigated)
        let resolved = state.milestone(.resolved)
        let notes = record.tagged
        let service = state.openData["service"]?.stringValue
        return PostmortemModel.Summary(
            start: start, startBasis: startBasis, end: end, endBasis: endBasis, duration: end - start,
            service: service, impact: state.impact?.text, impactNotes: notes["impact", default: []].mapped(\.text),
            usersAffected: usersAffected, usersAffectedSource: source, impactWindow: window, statedUsersAffected: stated,
            usersAffectedNote: nil,
            impactToMitigation: mitigated.map { $0 - start }, impactToResolution: resolved.map { $0 - start },
            rootCause: resolution.rootCause, trigger: resolution.trigger, resolution: Self.resolutionSentence(resolution, closing: state.summary),
            closingSummary: state.summary)
    }

    /// The window the impact figure covers: impact start (else detection, else the opening)
    /// to mitigation (else resolution, else the close, else the last entry).
    func impactWindow() -> PostmortemModel.ImpactWindow {
        let (from, fromBasis): (Instant, String) =
            if let time = state.milestone(.impactStart) { (time, Milestone.impactStart.rawValue) }
            else if let time = state.milestone(.detected) { (time, Milestone.detected.rawValue) }
            else { (state.openedAt, "opened") }
        let (through, throughBasis): (Instant, String) =
            if let time = state.milestone(.mitigated) { (time, Milestone.mitigated.rawValue) }
            else if let time = state.milestone(.resolved) { (time, Milestone.resolved.rawValue) }
            else if let time = state.closedAt { (time, "closed") }
            else { (state.lastAt, "last entry") }
        return PostmortemModel.ImpactWindow(from: from, fromBasis: fromBasis, through: through, throughBasis: throughBasis)
    }

    /// Users affected from the `users_affected` probe readings. The reading is cumulative
    /// (everyone who has seen a failure so far, background failures included), so the figure is
    /// the last reading in the window minus the last one before it: the users first hit
    /// within the window.
    static func probedUsersAffected(_ series: [ProbeSeries], window: PostmortemModel.ImpactWindow) -> Double? {
        guard window.through >= window.from else { return nil }
        var inside: Double?
        var before = 0.0
        for kind in series {
            guard let index = kind.metricIndex["users_affected"] else { continue }
            for row in kind.rows.indices {
                guard let value = kind.rows.value(row, index), (0...1).contains(value) else { continue }
                let at = kind.rows.ats[row]
                if at < window.from { before = max(before, value) } else if at <= window.through { inside = max(inside ?? 0, value) }
            }
        }
        return inside.map { max(0, $0 - before) }
    }

    /// The first percentage in a sentence (`30%`, `12.5 %`), as a fraction.
    static func percentage(in text: String) -> Double? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            guard scalars[index].properties.numericType == .decimal, scalars[index].isASCII else {
                index += 1
                continue
            }
            let start = index
            while index < scalars.count, scalars[index].isASCII,
                scalars[index].properties.numericType == .decimal || (scalars[index] == "." && index + 1 < scalars.count
                    && scalars[index + 1].properties.numericType == .decimal)
            {
                index += 1
            }
            let number = Double(String(String.UnicodeScalarView(scalars[start..<index])))
            var next = index
            while next < scalars.count, scalars[next] == " " { next += 1 }
            if let number, next < scalars.count, scalars[next] == "%", (0...100).contains(number) { return number / 100 }
        }
        return nil
    }

    static func resolutionSentence(_ resolution: PostmortemModel.Resolution, closing: String?) -> String? {
        var parts: [String] = []
        if let at = resolution.mitigatedAt {
            parts.append("Mitigated at \(at.hourMinute) UTC" + (resolution.mitigation.map { ": \($0)" } ?? "") + ".")
        }
        let done = resolution.mitigationActions.filter(\.done).map(\.text)
        if !done.isEmpty { parts.append("Mitigating actions: " + done.joined(separator: "; ") + ".") }
        if let at = resolution.resolvedAt {
            parts.append("Resolved at \(at.hourMinute) UTC" + (resolution.resolutionText.map { ": \($0)" } ?? "") + ".")
        }
        if let closing, !closing.isEmpty { parts.append(closing) }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    // MARK: - Timeline

    /// The full timeline: the bullets' order is worked out here, each bullet made when it is
    /// read (`PostmortemTimeline`), so a long incident's are never all held.
    func makeTimeline(_ record: Corrections) -> PostmortemTimeline {
        let escalations = Set(kept(.escalation).filter { record.isLive($0) && $0.data["rule"] == nil }.map(\.at))
        // Bullets come in order of when they took effect, which is transcript order but for a
        // few (a backdated milestone, a clock set back or run ahead). Each goes at the end of the
        // first run it does not precede, else starts a run; past `runLimit` runs the rest are set
        // aside and sorted. The runs and the few set aside are then merged: what is held while
        // ordering is a page of each run, not every bullet.
        typealias Bullet = (at: Instant, seq: Int, position: Int32)
        func precedes(_ a: Bullet, _ b: Bullet) -> Bool { (a.at, a.seq, a.position) < (b.at, b.seq, b.position) }
        struct Run {
            var ats: SpillColumn<Instant>
            var seqs: SpillColumn<Int>
            var positions: SpillColumn<Int32>
            var last: Bullet
            subscript(index: Int) -> Bullet { (ats[index], seqs[index], positions[index]) }
        }
        var runs: [Run] = []
        var setAside: [Bullet] = []
        func place(_ bullet: Bullet) {
            if let run = runs.firstIndex(where: { !precedes(bullet, $0.last) }) {
                runs[run].ats.append(bullet.at)
                runs[run].seqs.append(bullet.seq)
                runs[run].positions.append(bullet.position)
                runs[run].last = bullet
            } else if runs.count < Self.runLimit {
                var run = Run(ats: SpillColumn(spillingTo: spill), seqs: SpillColumn(spillingTo: spill), positions: SpillColumn(spillingTo: spill), last: bullet)
                run.ats.append(bullet.at)
                run.seqs.append(bullet.seq)
                run.positions.append(bullet.position)
                runs.append(run)
            } else {
                setAside.append(bullet)
            }
        }
        for position in notable.indices {
            // An entry put down said, when it was folded, whether it makes a bullet, and its
            // bullet is at its own time: it is not read again here.
            if notable.isPutDown(position) {
                let seq = notable.seq(position)
                guard let at = notable.bulletTime(position), record.retracted[seq] == nil else { continue }
                place((at, seq, Int32(position)))
                continue
            }
            guard let item = timelineItem(notable[position], record, escalationTimes: escalations) else { continue }
            place((item.at, item.seq, Int32(position)))
        }
        // Backdated milestones take their place among what happened then; ties keep transcript order.
        setAside.sort(by: precedes)
        var positions = SpillColumn<Int32>(spillingTo: spill)
        // Each run's next bullet, read once.
        var heads = [Int](repeating: 0, count: runs.count)
        var current: [Bullet?] = runs.map { $0[0] }
        var nextAside = 0
        while true {
            var first: (run: Int?, bullet: Bullet)?
            for (index, bullet) in current.enumerated() {
                guard let bullet else { continue }
                if first.map({ precedes(bullet, $0.bullet) }) ?? true { first = (index, bullet) }
            }
            if nextAside < setAside.count, first.map({ precedes(setAside[nextAside], $0.bullet) }) ?? true {
                first = (nil, setAside[nextAside])
            }
            guard let first else { break }
            positions.append(first.bullet.position)
            if let run = first.run {
                heads[run] += 1
                current[run] = heads[run] < runs[run].positions.count ? runs[run][heads[run]] : nil
            } else {
                nextAside += 1
            }
        }
        let maker = PostmortemTimeline.Maker(builder: self, record: record, escalations: escalations)
        return PostmortemTimeline(maker: maker, positions: positions)
    }

    /// The most runs of bullets in order the full timeline's order is worked out from; past
    /// them, bullets are set aside and sorted.
    static let runLimit = 16

    /// The full timeline's bullet for a kept entry, nil when it makes none.
    func timelineItem(_ entry: TranscriptEntry, _ record: Corrections, escalationTimes: Set<Instant>) -> PostmortemModel.TimelineItem? {
        guard record.isLive(entry), let (kind, text, at) = timelineText(entry, record, escalationTimes: escalationTimes) else { return nil }
        var evidence = cited(entry.seq, record)
        if entry.kind == .hypothesis, let id = entry.data["id"]?.stringValue, let hypothesis = record.hypotheses[id],
           hypothesis.seq != entry.seq, entry.data["status"]?.stringValue != "open"
        {
            evidence = relevantCitations(hypothesis: hypothesis.text, reason: record.amended[entry.seq] ?? entry.data["reason"]?.stringValue ?? entry.text,
                                         decidedSeq: entry.seq, raisedSeq: hypothesis.seq, limit: hypothesis.status == .confirmed ? 3 : 2)
        }
        return PostmortemModel.TimelineItem(
            at: at, kind: kind, text: text, by: entry.by == IncidentState.automaticAuthor && kind == .timer ? "" : entry.author, seq: entry.seq,
            amended: record.amended[entry.seq] != nil, recordedAt: at == entry.at ? nil : entry.at, evidence: evidence)
    }

    private func timelineText(_ entry: TranscriptEntry, _ record: Corrections,
                              escalationTimes: Set<Instant>) -> (PostmortemModel.TimelineKind, String, Instant)? {
        let data = entry.data
        let text = record.text(entry)
        func with(_ head: String, _ detail: String?) -> String {
            guard let detail, !detail.isEmpty else { return head }
            return "\(head): \(detail)"
        }
        switch entry.kind {
        case .open:
            return (.open, "Incident opened: \(state.title) (\(data["severity"]?.stringValue ?? state.severity))", entry.at)
        case .milestone:
            guard let name = data["milestone"]?.stringValue, let current = state.milestones[name], current.seq == entry.seq else { return nil }
            var detail = text.caseInsensitiveCompare(name) == .orderedSame ? nil : text
            if let step = entry.step, text == "Milestone \(name) (step \(step))" {
                // Set by a playbook step: what the responders said of it — the `done` note, or
                // for `resolved` the close summary — rather than the step's name again.
                // Steps are told apart by seq before they are read: a long incident's are put down.
                let steps = kept(.step)
                let note = steps.indices.lazy.filter { abs(steps.seq($0) - entry.seq) <= 3 }.compactMap { StepEvent(entry: steps[$0]) }
                    .first { $0.step == step && $0.status == .done }?.reason
                detail = note ?? (name == Milestone.resolved.rawValue ? state.summary : nil)
            }
            // The first `escalate` also marks `escalated`; its escalation bullet already says so.
            if name == Milestone.escalated.rawValue, detail == nil || detail!.isEmpty, escalationTimes.contains(current.time) { return nil }
            return (.milestone, with(Self.milestoneTitle(name), detail), current.time)
        case .phase:
            guard let phase = data["phase"]?.stringValue else { return nil }
            let from = data["from"]?.stringValue.map { " (from \($0))" } ?? ""
            return (.phase, "Phase \(phase) began\(from)", entry.at)
        case .severity:
            let change = "Severity \(data["from"]?.stringValue ?? "?") → \(data["to"]?.stringValue ?? "?")"
            return (.severity, with(change, data["reason"]?.stringValue), entry.at)
        case .escalation:
            let to = data["to"]?.stringValue ?? text
            // A playbook rule falling due is a reminder to page, not a page: older transcripts
            // record it as an escalation entry next to its timer, which the Appendix lists.
            guard data["rule"] == nil else { return nil }
            return (.escalation, with("Escalated to \(to)", data["reason"]?.stringValue), entry.at)
        case .timer:
            return (.timer, "Reminder: " + text, entry.at)
        case .alert:
            return (.alert, text.isEmpty ? "Alert \(data["alert"]?.stringValue ?? "?") \(data["state"]?.stringValue ?? "")" : text, entry.at)
        case .hypothesis:
            guard let id = data["id"]?.stringValue, let hypothesis = record.hypotheses[id] else { return nil }
            switch data["status"]?.stringValue {
            case "ruled-out":
                return (.hypothesis, with("\(id) ruled out (\(hypothesis.text))", record.amended[entry.seq] ?? data["reason"]?.stringValue ?? text), entry.at)
            case "confirmed":
                return (.hypothesis, with("\(id) confirmed (\(hypothesis.text))", record.amended[entry.seq] ?? data["reason"]?.stringValue ?? text), entry.at)
            default:
                guard hypothesis.seq == entry.seq else { return nil }
                return (.hypothesis, "\(id) raised: \(hypothesis.text)", entry.at)
            }
        case .statement:
            let head = switch data["statement"]?.stringValue {
            case "root_cause": "Root cause identified"
            case "trigger": "Trigger identified"
            case "impact": "Impact assessed"
            default: "Statement"
            }
            return (.statement, with(head, text), entry.at)
        case .lb:
            guard Self.isConfigChange(entry) else { return nil }
            var head = "Load balancer change"
            if let version = data["version"]?.intValue {
                head += data["from_version"]?.intValue.map { " (v\($0) → v\(version))" } ?? " (v\(version))"
            }
            var what = data["note"]?.stringValue.map { "\($0) — " } ?? ""
            if data["action"]?.stringValue == "rollback", let target = data["value"]?.intValue { what = "rollback to v\(target) — " }
            if let changes = data["changes"]?.arrayValue?.compactMap(\.stringValue), !changes.isEmpty {
                what += ConfigurationChangeSummary.compact(changes)
            } else {
                what += Display.firstLine(text, limit: 160)
            }
            return (.lb, with(head, what), entry.at)
        case .action:
            guard data["status"]?.stringValue == "done", let id = data["id"]?.stringValue, let action = record.actions[id] else { return nil }
            return (.action, "\(id) done: \(action.text)", entry.at)
        case .update:
            return (.update, with("Status update", text), entry.at)
        case .error:
            guard let refusal = Self.refusal(entry) else { return nil }
            return (refusal.kind, refusal.text, entry.at)
        case .note:
            let stripped = Self.strippingTags(text)
            return (.note, stripped.isEmpty ? text : stripped, entry.at)
        case .step:
            guard let event = StepEvent(entry: entry) else { return nil }
            let step = event.step
            switch event.status {
            case .skipped:
                return (.step, with("Skipped step \(step)", data["reason"]?.stringValue ?? (text.isEmpty ? nil : text)), entry.at)
            case .done:
                guard let check = event.check, let result = Self.checkResult(check, evidence: nil) else { return nil }
                return (.step, "Step \(step) done; check \(Self.describe(result))", entry.at)
            default:
                return nil
            }
        case .shell:
            guard let command = data["command"]?.stringValue else { return nil }
            let outcome: String =
                if data["timed_out"]?.boolValue == true { "timed out" }
                else if let code = data["exit_code"]?.intValue { "exit \(code)" }
                else { "" }
            return (.shell, "Ran shell command \(command)" + (outcome.isEmpty ? "" : " (\(outcome))"), entry.at)
        case .close:
            return (.close, with("Incident closed", data["summary"]?.stringValue), entry.at)
        default:
            return nil
        }
    }

    /// Whether an entry of a kind put down (`KeptStore.putDownKinds`) makes a bullet of the full
    /// timeline, told when it is folded: for these kinds it depends on the entry alone (what
    /// the rest of the record says changes the bullet's words, not whether there is one), and
    /// the bullet is at the entry's time.
    static func makesBullet(_ entry: TranscriptEntry) -> Bool {
        switch entry.kind {
        case .note, .timer, .update: true
        case .step:
            switch StepEvent(entry: entry)?.status {
            case .skipped: true
            case .done: StepEvent(entry: entry)?.check.flatMap { checkResult($0, evidence: nil) } != nil
            default: false
            }
        case .shell: entry.data["command"]?.stringValue != nil
        case .lb: isConfigChange(entry)
        default: false
        }
    }

    /// `lb` entries that changed the configuration (not `show`, `history`, `diff`).
    static func isConfigChange(_ entry: TranscriptEntry) -> Bool {
        LoadBalancerChangeRecord(entry: entry)?.changesConfiguration == true
    }

    static func milestoneTitle(_ name: String) -> String {
        switch name {
        case Milestone.impactStart.rawValue: return "Impact started"
        case Milestone.detected.rawValue: return "Detected"
        case Milestone.acknowledged.rawValue: return "Acknowledged"
        case Milestone.escalated.rawValue: return "Escalated"
        case Milestone.mitigated.rawValue: return "Mitigated"
        case Milestone.resolved.rawValue: return "Resolved"
        default: return "Milestone \(name)"
        }
    }

    /// `errors.error_rate = 31.2% (above 2%): passed`
    static func describe(_ check: PostmortemModel.CheckResult) -> String {
        var text = "\(check.probe).\(check.metric)"
        if let value = check.value { text += " = " + MetricText.format(value, metric: check.metric) }
        if let threshold = check.threshold { text += " (\(check.comparison ?? "against") \(MetricText.format(threshold, metric: check.metric)))" }
        if let passed = check.passed { text += passed ? ": passed" : ": failed" }
        return text
    }

    static func checkResult(_ check: JSONObject, evidence: PostmortemModel.Citation?) -> PostmortemModel.CheckResult? {
        guard let probe = check["probe"]?.stringValue, let metric = check["metric"]?.stringValue else { return nil }
        return PostmortemModel.CheckResult(
            probe: probe, metric: metric, value: check["value"]?.doubleValue, threshold: check["threshold"]?.doubleValue,
            comparison: check["comparison"]?.stringValue, passed: check["passed"]?.boolValue, evidence: evidence)
    }

    /// The live probe results an entry relied on.
    func cited(_ seq: Int, _ record: Corrections) -> [PostmortemModel.Citation] {
        guard let refs = citations[seq] else { return [] }
        return refs.compactMap { ref in
            let kind = series[ref.series]
            let row = kind.rows[ref.row]
            guard record.retracted[row.seq] == nil else { return nil }
            var values: [PostmortemModel.MetricValue] = []
            for (index, value) in row.values.enumerated() {
                if let value { values.append(PostmortemModel.MetricValue(name: kind.metrics[index], value: value)) }
            }
            return PostmortemModel.Citation(seq: row.seq, at: row.at, probe: kind.probe, values: values)
        }
    }

    // MARK: - Hypotheses

    /// The last live decision entry per hypothesis id.
    private func decisions(_ record: Corrections) -> [String: TranscriptEntry] {
        var result: [String: TranscriptEntry] = [:]
        for entry in kept(.hypothesis) where record.isLive(entry) {
            guard let id = entry.data["id"]?.stringValue, let status = entry.data["status"]?.stringValue, status != "open" else { continue }
            result[id] = entry
        }
        return result
    }

    func makeMisleadingPaths(_ record: Corrections) -> [PostmortemModel.MisleadingPath] {
        let decided = decisions(record)
        return state.hypotheses.compactMap { record.hypotheses[$0.id] }.filter { $0.status == .ruledOut }.map { hypothesis in
            let decision = decided[hypothesis.id]
            return PostmortemModel.MisleadingPath(
                id: hypothesis.id, hypothesis: hypothesis.text, reason: hypothesis.reason ?? "",
                raisedAt: hypothesis.raisedAt, raisedBy: hypothesis.raisedBy, ruledOutAt: hypothesis.resolvedAt ?? hypothesis.raisedAt,
                evidence: decision.map { relevantCitations(hypothesis: hypothesis.text, reason: hypothesis.reason, decidedSeq: $0.seq,
                                                           raisedSeq: hypothesis.seq, limit: 2) } ?? [])
        }
    }

    // MARK: - Root cause and resolution

    func makeResolution(_ record: Corrections, liveSeries: [ProbeSeries]) -> PostmortemModel.Resolution {
        let decided = decisions(record)
        let confirmed = state.hypotheses.compactMap { record.hypotheses[$0.id] }.filter { $0.status == .confirmed }.map { hypothesis in
            PostmortemModel.ConfirmedHypothesis(
                id: hypothesis.id, hypothesis: hypothesis.text, reason: hypothesis.reason.flatMap { $0.isEmpty ? nil : $0 },
                raisedAt: hypothesis.raisedAt, confirmedAt: hypothesis.resolvedAt,
                evidence: decided[hypothesis.id].map { relevantCitations(hypothesis: hypothesis.text, reason: hypothesis.reason,
                                                                         decidedSeq: $0.seq, raisedSeq: hypothesis.seq, limit: 3) } ?? [])
        }
        let rootCause = state.rootCause?.text
            ?? (confirmed.isEmpty ? nil : confirmed.map(\.hypothesis).joined(separator: "; "))
        // Made when read, from the commands kept: a long incident's are thousands, each with
        // its lines of change.
        var positions = SpillColumn<Int32>(spillingTo: spill)
        let commands = kept(.lb)
        for index in commands.indices where record.retracted[commands.seq(index)] == nil {
            // A command put down said, when it was folded, whether it changed the configuration.
            let position = Int(commands.positions[index])
            if notable.makesBullet(position) ?? Self.isConfigChange(commands[index]) { positions.append(Int32(position)) }
        }
        let builder = self
        let changes = PostmortemList(positions: positions) { position in
            let entry = builder.notable[position]
            // Made again from the same entry, it is a change as it was when the list was made (an
            // entry read back changed is a note, and makes no change: then it says so).
            guard let change = LoadBalancerChangeRecord(entry: entry) else {
                return PostmortemModel.ConfigChange(seq: entry.seq, at: entry.at, by: entry.by, action: nil, backend: nil, value: nil, fromVersion: nil,
                                                    version: nil, text: entry.text, changes: [])
            }
            return PostmortemModel.ConfigChange(
                seq: entry.seq, at: entry.at, by: entry.by, action: change.action, backend: change.backend,
                value: change.value.flatMap(Self.plainText), fromVersion: change.fromVersion,
                version: change.version, text: record.text(entry), changes: Self.changeLines(entry.data))
        }
        let mitigated = state.milestones[Milestone.mitigated.rawValue]
        let resolved = state.milestones[Milestone.resolved.rawValue]
        let pivot = mitigated.map { (Milestone.mitigated.rawValue, $0.time) } ?? resolved.map { (Milestone.resolved.rawValue, $0.time) }
        let notes = record.tagged
        return PostmortemModel.Resolution(
            rootCause: rootCause, confirmed: confirmed, trigger: state.trigger?.text,
            triggerNotes: notes["trigger", default: []].mapped(\.text),
            mitigatedAt: mitigated?.time, mitigation: mitigated.flatMap { Self.milestoneDetail($0.text, Milestone.mitigated) },
            resolvedAt: resolved?.time, resolutionText: resolved.flatMap { Self.milestoneDetail($0.text, Milestone.resolved) },
            mitigationActions: state.actions.compactMap { record.actions[$0.id] }.filter { $0.type == .mitigate }.map(Self.task),
            configChanges: changes, pivotMilestone: pivot?.0, pivot: pivot?.1,
            comparisons: pivot.map { Self.comparisons(liveSeries, around: $0.1) } ?? [],
            mitigatedBy: mitigated?.by, resolvedBy: resolved?.by)
    }

    /// What an `lb` entry changed, one line per server and field (`weight msg-01: 100 → 25`).
    ///
    /// Read generically, so that changes made by warroom, by a scenario event and those
    /// observed on a real HAProxy (made outside warroom) read alike: `changes` (lines), else
    /// `diff` (lines, or objects with `server`, `field`, `from`, `to`), else `from` and `to`
    /// configurations (objects with a `servers` list of `{name, weight, state}`), else the
    /// action, backend and value.
    static func changeLines(_ data: JSONObject) -> [String] {
        if let lines = data["changes"]?.arrayValue?.compactMap(\.stringValue), !lines.isEmpty { return lines }
        if let diff = data["diff"]?.arrayValue, !diff.isEmpty {
            return diff.compactMap { item in
                if let line = item.stringValue { return line }
                guard let server = (item["server"] ?? item["backend"] ?? item["name"])?.stringValue, let field = item["field"]?.stringValue else { return nil }
                return "\(field) \(server): \(item["from"].flatMap(plainText) ?? "?") → \(item["to"].flatMap(plainText) ?? "?")"
            }
        }
        if let from = data["from"]?.objectValue, let to = data["to"]?.objectValue {
            func servers(_ configuration: JSONObject) -> [(String, JSONObject)] {
                (configuration["servers"] ?? configuration["backends"])?.arrayValue?.compactMap { server in
                    guard let object = server.objectValue, let name = object["name"]?.stringValue else { return nil }
                    return (name, object)
                } ?? []
            }
            let before = Dictionary(servers(from), uniquingKeysWith: { first, _ in first })
            var lines: [String] = []
            for (name, after) in servers(to) {
                for field in ["weight", "state"] {
                    let old = before[name]?[field].flatMap(plainText)
                    let new = after[field].flatMap(plainText)
                    if let new, old != new { lines.append("\(field) \(name): \(old ?? "none") → \(new)") }
                }
            }
            if !lines.isEmpty { return lines }
        }
        guard let action = data["action"]?.stringValue, action != "rollback", action != "scenario-event" else { return [] }
        return [[action, data["backend"]?.stringValue, data["value"].flatMap(plainText)].compactMap { $0 }.joined(separator: " ")]
    }

    static func milestoneDetail(_ text: String, _ milestone: Milestone) -> String? {
        text.isEmpty || text.caseInsensitiveCompare(milestone.rawValue) == .orderedSame ? nil : text
    }

    /// A JSON scalar as text (for `lb` values, which may be numbers or names).
    static func plainText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let number): return MetricText.decimal(number, places: 6)
        case .bool(let flag): return flag ? "true" : "false"
        case .null, .array, .object: return value.serialized()
        }
    }

    /// For each probe kind and metric: the last reading before the pivot, the first at or after
    /// it (a responder usually probes, sees the relief, then marks `mitigated`), and the latest.
    static func comparisons(_ series: [ProbeSeries], around pivot: Instant) -> [PostmortemModel.Comparison] {
        var result: [PostmortemModel.Comparison] = []
        for kind in series {
            guard let firstAfter = kind.rows.ats.firstIndex(where: { $0 >= pivot }), firstAfter > 0 else { continue }
            let rows = kind.rows
            for (index, metric) in kind.metrics.enumerated() {
                /// The first reading of the metric among `candidates`.
                func reading(_ candidates: some Sequence<Int>) -> PostmortemModel.Reading? {
                    for row in candidates {
                        if let value = rows.value(row, index) { return PostmortemModel.Reading(seq: rows.seqs[row], at: rows.ats[row], value: value) }
                    }
                    return nil
                }
                guard let before = reading((0..<firstAfter).reversed()), let after = reading(firstAfter..<rows.count) else { continue }
                let latest = reading(rows.indices.reversed())
                result.append(PostmortemModel.Comparison(
                    probe: kind.probe, metric: metric, before: before, after: after, latest: latest?.seq == after.seq ? nil : latest))
            }
        }
        return result
    }

    static func task(_ action: ActionItem) -> PostmortemModel.Task {
        PostmortemModel.Task(id: action.id, text: action.text, owner: action.owner.flatMap { $0.isEmpty ? nil : $0 },
                             type: action.type.rawValue, due: action.due, done: action.done)
    }

    // MARK: - Metrics

    func makeMetrics() -> PostmortemModel.Metrics {
        let milestones = Milestone.allCases.map { PostmortemModel.MilestoneTime(name: $0.rawValue, time: state.milestone($0)) }
        let impactStart = state.milestone(.impactStart)
        let detected = state.milestone(.detected)
        func measure(_ name: String, _ label: String, from: Milestone, to: Milestone, fallback: Instant? = nil) -> PostmortemModel.Measurement {
            let start = state.milestone(from) ?? fallback
            let end = state.milestone(to)
            var missing: [String] = []
            if start == nil { missing.append(from.rawValue) }
            if end == nil { missing.append(to.rawValue) }
            let value: Int64? = if let start, let end { end - start } else { nil }
            let fromName = state.milestone(from) == nil && fallback != nil ? Milestone.detected.rawValue : from.rawValue
            return PostmortemModel.Measurement(name: name, label: label, from: fromName, to: to.rawValue, value: value, missing: missing)
        }
        let measurements = [
            measure("time_to_detect", "Time to detect", from: .impactStart, to: .detected),
            measure("time_to_acknowledge", "Time to acknowledge", from: .detected, to: .acknowledged),
            measure("time_to_escalate", "Time to escalate", from: .detected, to: .escalated),
            measure("time_to_mitigate", "Time to mitigate", from: .detected, to: .mitigated),
            measure("time_to_resolve", "Time to resolve", from: .detected, to: .resolved),
            measure("impact_to_mitigation", "Impact to mitigation", from: .impactStart, to: .mitigated, fallback: detected),
            measure("impact_duration", "Impact to resolution", from: .impactStart, to: .resolved, fallback: detected),
        ]
        let missing = milestones.filter { $0.time == nil }.map(\.name)
        var notes: [String] = []
        if impactStart == nil {
            if let detected {
                notes.append("impact-start was never marked: the impact is taken to start at detection (\(detected.hourMinute) UTC), so time to detect is not measured and the impact duration runs from detection.")
            } else {
                notes.append("impact-start was never marked: the impact is taken to start at detection.")
            }
        }
        if detected == nil {
            notes.append("detected was never marked: no time from detection can be measured.")
        }
        return PostmortemModel.Metrics(milestones: milestones, measurements: measurements, impactStartAssumed: impactStart == nil,
                                       missing: missing, notes: notes, problems: milestoneProblems(measurements))
    }

    /// The order milestones must keep: each pair's first takes effect no later than its second.
    static let milestoneOrder: [(Milestone, Milestone)] = [
        (.impactStart, .detected), (.impactStart, .acknowledged), (.impactStart, .escalated), (.impactStart, .mitigated), (.impactStart, .resolved),
        (.detected, .acknowledged), (.detected, .escalated), (.detected, .mitigated), (.detected, .resolved),
        (.acknowledged, .resolved), (.escalated, .resolved), (.mitigated, .resolved),
    ]

    /// Milestones out of order, metrics of zero length, and milestones dated after they were
    /// recorded or after the last entry.
    func milestoneProblems(_ measurements: [PostmortemModel.Measurement]) -> [PostmortemModel.MilestoneProblem] {
        var problems: [PostmortemModel.MilestoneProblem] = []
        for (earlier, later) in Self.milestoneOrder {
            guard let first = state.milestone(earlier), let second = state.milestone(later), second < first else { continue }
            problems.append(.outOfOrder(earlier: earlier.rawValue, earlierAt: first, later: later.rawValue, laterAt: second))
        }
        for measurement in measurements where measurement.value == 0 {
            guard let at = state.milestones[measurement.to]?.time else { continue }
            problems.append(.zeroDuration(metric: measurement.label.lowercased(), from: measurement.from, to: measurement.to, at: at))
        }
        for milestone in Milestone.allCases {
            guard let record = state.milestones[milestone.rawValue] else { continue }
            let recordedAt = entryTimes[record.seq] ?? state.lastAt
            if record.time > recordedAt || record.time > state.lastAt {
                problems.append(.inTheFuture(milestone: milestone.rawValue, at: record.time, recordedAt: min(recordedAt, state.lastAt)))
            }
        }
        return problems
    }

    /// When each milestone entry was written.
    var entryTimes: [Int: Instant] {
        var times: [Int: Instant] = [:]
        for entry in kept(.milestone) { times[entry.seq] = entry.at }
        return times
    }

    // MARK: - Lessons

    /// Live notes by the postmortem's tags, with their (corrected) text stripped of the tags.
    /// The lessons are made when read, from the notes kept: a long incident's are tens of
    /// thousands.
    func taggedNotes(_ record: Corrections) -> [String: PostmortemList<PostmortemModel.Lesson>] {
        var positions: [String: SpillColumn<Int32>] = [:]
        let notes = kept(.note)
        for index in notes.indices where record.retracted[notes.seq(index)] == nil {
            let position = Int(notes.positions[index])
            // Its tags as recorded, unless an amend replaced its text, tags and all.
            let bits = record.amended[notes.seq(index)] == nil ? notable.tagBits(position) : Self.tagBits(Self.tags(notes[index], record))
            for (bit, tag) in Self.postmortemTagOrder.enumerated() where bits & 1 << bit != 0 {
                positions[tag, default: SpillColumn(spillingTo: spill)].append(Int32(position))
            }
        }
        let builder = self
        return positions.mapValues { column in
            PostmortemList(positions: column) { position in
                let entry = builder.notable[position]
                return PostmortemModel.Lesson(text: Self.tagged(record.text(entry)).text, at: entry.at, by: entry.by, seq: entry.seq)
            }
        }
    }

    /// A live note's tags: those written in its (corrected) text, and unless it was amended
    /// (an amend replaces the whole text, tags included) those recorded with it.
    static func tags(_ entry: TranscriptEntry, _ record: Corrections) -> [String] {
        var tags = tagged(record.text(entry)).tags
        if record.amended[entry.seq] == nil, let recorded = entry.data["tags"]?.arrayValue {
            tags += recorded.compactMap { $0.stringValue.map { $0.lowercased() } }
        }
        return tags
    }

    func makeLessons(_ record: Corrections) -> PostmortemModel.Lessons {
        let notes = record.tagged
        return PostmortemModel.Lessons(wentWell: notes["went-well", default: []], wentWrong: notes["went-wrong", default: []],
                                       lucky: notes["lucky", default: []])
    }

    /// The tags the postmortem reads, as written in a note.
    static let postmortemTags: Set<String> = Set(postmortemTagOrder)
    /// The same, in the order of their bits (`tagBits`).
    static let postmortemTagOrder = ["went-well", "went-wrong", "lucky", "trigger", "impact"]

    /// Which of the postmortem's tags are among `tags`, as bits (five: they are kept in five
    /// bits of a kept entry's length, `KeptStore.tagShift`).
    static func tagBits(_ tags: [String]) -> UInt8 {
        assert(postmortemTagOrder.count <= 5, "a kept entry has room for five tag bits")
        var bits: UInt8 = 0
        for (bit, tag) in postmortemTagOrder.enumerated() where tags.contains(tag) { bits |= 1 << bit }
        return bits
    }

    /// The postmortem's tags a note was recorded with (in its text, or with it), as bits.
    static func tagBits(_ note: TranscriptEntry) -> UInt8 {
        var tags = tagged(note.text).tags
        if let recorded = note.data["tags"]?.arrayValue { tags += recorded.compactMap { $0.stringValue.map { $0.lowercased() } } }
        return tagBits(tags)
    }

    /// The text without the postmortem's own tags (`#went-well` …), which say where a note goes
    /// rather than what it says.
    static func strippingTags(_ text: String) -> String {
        tagged(text).text
    }

    /// A note's `#word` tags (lowercased, without `#` and trailing punctuation) and its text
    /// without the postmortem's own tags, in one pass over the UTF-8 (it runs on every note of
    /// a long transcript).
    static func tagged(_ text: String) -> (tags: [String], text: String) {
        guard text.withUTF8Buffer({ $0.contains(UInt8(ascii: "#")) }) else { return ([], text) }
        let bytes = Array(text.utf8)
        var tags: [String] = []
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x20, bytes[end] != 0x09, bytes[end] != 0x0A { end += 1 }
            var drop = false
            if end > start + 1, bytes[start] == UInt8(ascii: "#") {
                var tagEnd = end
                while tagEnd > start + 1, ".,;:!?)".utf8.contains(bytes[tagEnd - 1]) { tagEnd -= 1 }
                let tag = String(decoding: bytes[(start + 1)..<tagEnd], as: UTF8.self).lowercased()
                if !tag.isEmpty {
                    tags.append(tag)
                    drop = postmortemTags.contains(tag)
                }
            }
            if !drop, end > start {
                if !kept.isEmpty { kept.append(0x20) }
                kept.append(contentsOf: bytes[start..<end])
            }
            start = end + 1
        }
        return (tags, String(decoding: kept, as: UTF8.self))
    }

    // MARK: - Adherence

    func makeAdherence(_ record: Corrections) -> PostmortemModel.Adherence {
        // Folded as the steps and reminders were read, unless a correction touches one of them:
        // then folded again from the kept entries, as corrected (a long incident's are tens of
        // thousands, put down, and read again only then).
        var fold = adherence
        if correctsAStepOrReminder(record) {
            fold = AdherenceFold()
            for entry in kept(.step, .timer) where record.isLive(entry) { fold.add(entry, text: record.text(entry)) }
        }
        return fold.finished { check, seq in Self.checkResult(check, evidence: cited(seq, record).first) }
    }

    /// Whether an entry retracted or amended is a step or a reminder (or may be: kept entries
    /// whose seqs do not rise, in a transcript that fails verification, are not searched). The
    /// corrected seqs, sorted, are walked beside each kind's kept entries once.
    func correctsAStepOrReminder(_ record: Corrections) -> Bool {
        guard !record.retracted.isEmpty || !record.amended.isEmpty else { return false }
        guard keptSeqsRise else { return true }
        let corrected = Set(record.retracted.keys).union(record.amended.keys).sorted()
        for kind in [EntryKind.step, .timer] {
            guard let positions = byKind[kind] else { continue }
            var next = 0
            for index in positions.indices {
                let seq = notable.seq(Int(positions[index]))
                while next < corrected.count, corrected[next] < seq { next += 1 }
                guard next < corrected.count else { break }
                if corrected[next] == seq { return true }
            }
        }
        return false
    }

    /// The playbook adherence table, folded one step or reminder at a time, in transcript order.
    struct AdherenceFold {
        private var steps: [PostmortemModel.StepRecord] = []
        private var index: [String: Int] = [:]
        /// By step: the check its last `done` with one recorded, and that entry's seq. What the
        /// check was judged on is cited once every correction is known.
        private var checks: [Int: (check: JSONObject, seq: Int)] = [:]

        private mutating func slot(_ step: String, _ phase: String?) -> Int {
            if let known = index[step] { return known }
            index[step] = steps.count
            steps.append(PostmortemModel.StepRecord(step: step, phase: phase, status: .incomplete, overdue: false))
            return steps.count - 1
        }

        /// Folds a `step` or `timer` entry in; `text` is its text as corrected. (The builder folds
        /// every one as it is read; `makeAdherence` folds again, the live ones only, when a
        /// correction touches one.)
        mutating func add(_ entry: TranscriptEntry, text: String) {
            let data = entry.data
            if entry.kind == .timer, let step = data["step"]?.stringValue {
                steps[slot(step, entry.phase)].overdue = true
                return
            }
            guard entry.kind == .step, let event = StepEvent(entry: entry) else { return }
            let at = slot(event.step, entry.phase)
            let reason = event.reason
            switch event.status {
            case .current:
                if steps[at].startedAt == nil { steps[at].startedAt = entry.at }
                if steps[at].phase == nil { steps[at].phase = entry.phase }
            case .done:
                steps[at].status = .done
                steps[at].endedAt = entry.at
                steps[at].by = entry.by
                steps[at].reason = reason
                if let check = event.check { checks[at] = (check, entry.seq) }
            case .skipped:
                steps[at].status = .skipped
                steps[at].endedAt = entry.at
                steps[at].by = entry.by
                steps[at].reason = reason ?? (text.isEmpty ? nil : text)
            case .overdue:
                steps[at].overdue = true
            case .pending, nil:
                break
            }
        }

        /// The table, each check judged by `judge` (nil leaves a step without one).
        func finished(judging judge: (JSONObject, Int) -> PostmortemModel.CheckResult?) -> PostmortemModel.Adherence {
            var steps = steps
            for (at, recorded) in checks { steps[at].check = judge(recorded.check, recorded.seq) }
            return PostmortemModel.Adherence(steps: steps)
        }
    }

    // MARK: - Evidence

    /// A probe's evidence table: all results, or an evenly spaced selection of a long series.
    static func table(_ kind: ProbeSeries) -> PostmortemModel.ProbeTable? {
        guard !kind.rows.isEmpty else { return nil }
        let width = kind.metrics.count
        func padded(_ row: PostmortemModel.EvidenceRow) -> PostmortemModel.EvidenceRow {
            guard row.values.count < width else { return row }
            var row = row
            row.values += [Double?](repeating: nil, count: width - row.values.count)
            return row
        }
        let count = kind.rows.count
        let limit = PostmortemLimits.tableRows
        let rows: [PostmortemModel.EvidenceRow] = count <= limit
            ? kind.rows.map(padded)
            : (0..<limit).map { padded(kind.rows[$0 * (count - 1) / (limit - 1)]) }
        var lows = [Double](repeating: .infinity, count: width)
        var highs = [Double](repeating: -.infinity, count: width)
        for row in kind.rows.indices {
            for index in 0..<kind.rows.width(row) {
                guard let value = kind.rows.value(row, index), value.isFinite else { continue }
                if value < lows[index] { lows[index] = value }
                if value > highs[index] { highs[index] = value }
            }
        }
        let ranges = kind.metrics.indices.compactMap { index -> PostmortemModel.MetricRange? in
            lows[index].isFinite ? PostmortemModel.MetricRange(name: kind.metrics[index], min: lows[index], max: highs[index]) : nil
        }
        return PostmortemModel.ProbeTable(probe: kind.probe, sampleCount: count, metrics: kind.metrics, rows: rows, ranges: ranges)
    }

    /// - Parameter changes: when each live configuration change was made, and the version it made.
    func makeChart(_ series: [ProbeSeries], steps: [PostmortemModel.ConfigStep], changes: [(at: Instant, version: Int?)]) -> PostmortemModel.Chart {
        func points(_ probe: String, _ metric: String) -> [PostmortemModel.ChartPoint] {
            guard let kind = series.first(where: { $0.probe == probe }), let index = kind.metricIndex[metric] else { return [] }
            // Read twice rather than collected: a long incident's readings are hundreds of thousands.
            let rows = kind.rows
            return Self.thinned(rows.indices.lazy.compactMap { row -> PostmortemModel.ChartPoint? in
                guard let value = rows.value(row, index), value.isFinite else { return nil }
                return PostmortemModel.ChartPoint(at: rows.ats[row], value: value)
            })
        }
        var markers = Milestone.allCases.compactMap { milestone in
            state.milestone(milestone).map { PostmortemModel.ChartMarker(label: milestone.rawValue, at: $0) }
        }
        // Every configuration change is marked; the trigger, the rollback and the fix are named.
        for step in steps {
            let version = step.version.map { " v\($0)" } ?? ""
            switch step.role {
            case .trigger: markers.append(PostmortemModel.ChartMarker(label: "trigger" + version, at: step.from, kind: .trigger))
            case .rollback: markers.append(PostmortemModel.ChartMarker(label: "rollback" + version, at: step.from, kind: .rollback))
            case .fix: markers.append(PostmortemModel.ChartMarker(label: "fix" + version, at: step.to, kind: .fix))
            case .mitigation, .other: break
            }
        }
        for change in changes {
            markers.append(PostmortemModel.ChartMarker(label: change.version.map { "v\($0)" } ?? "change", at: change.at, kind: .change))
        }
        markers.sort { $0.at < $1.at }
        let window = impactWindow()
        return PostmortemModel.Chart(errorRate: points("errors", "error_rate"), requestRate: points("traffic", "request_rate"),
                                     markers: markers, impactWindow: window.through > window.from ? window : nil, measured: measuredSeries())
    }

    /// The recorded range as chart series.
    func measuredSeries() -> PostmortemModel.MeasuredSeries? {
        guard let entry = measuredRange, let step = entry.data["step_seconds"]?.intValue, step > 0 else { return nil }
        func points(_ figure: String) -> [PostmortemModel.ChartPoint] {
            (entry.data["series"]?[figure]?.arrayValue ?? []).compactMap { pair in
                guard let item = pair.arrayValue, item.count == 2, let seconds = item[0].doubleValue, let value = item[1].doubleValue, value.isFinite else { return nil }
                return PostmortemModel.ChartPoint(at: Instant(seconds: seconds), value: value)
            }
        }
        let queries = (entry.data["queries"]?.objectValue?.members ?? []).compactMap { member in
            member.value.stringValue.map { PostmortemModel.MeasuredSeries.Query(figure: member.key, query: $0) }
        }
        return PostmortemModel.MeasuredSeries(source: entry.data["source"]?.stringValue ?? "metrics", seq: entry.seq, everySeconds: step,
                                              errorRate: Self.thinned(points("error_rate")), requestRate: Self.thinned(points("request_rate")), queries: queries)
    }

    /// Requests failed within the impact window, summed over the measured range: each point is
    /// the rates over the step before it, weighted by how much of that step is in the window.
    static func measuredImpact(_ series: PostmortemModel.MeasuredSeries?, window: PostmortemModel.ImpactWindow) -> PostmortemModel.MeasuredImpact? {
        guard let series, window.through > window.from, !series.requestRate.isEmpty else { return nil }
        let step = Int64(series.everySeconds) * 1000
        let errors = Dictionary(series.errorRate.map { ($0.at, $0.value) }, uniquingKeysWith: { a, _ in a })
        var failed = 0.0
        var requests = 0.0
        for point in series.requestRate {
            let overlap = min(point.at, window.through) - max(point.at - step, window.from)
            guard overlap > 0 else { continue }
            let count = point.value * Double(overlap) / 1000
            requests += count
            failed += count * (errors[point.at] ?? 0)
        }
        guard requests > 0 else { return nil }
        return PostmortemModel.MeasuredImpact(source: series.source, failed: failed, requests: requests, window: window, everySeconds: series.everySeconds)
    }

    /// At most `PostmortemLimits.chartPoints` points: the largest value of each equal time
    /// interval, so that peaks (what an incident chart is read for) survive.
    static func thinned(_ points: some Sequence<PostmortemModel.ChartPoint>) -> [PostmortemModel.ChartPoint] {
        let limit = PostmortemLimits.chartPoints
        var count = 0
        var first: Instant?
        var last: Instant?
        for point in points {
            count += 1
            if first == nil { first = point.at }
            last = point.at
        }
        guard count > limit, let first, let last, last > first else { return Array(points) }
        let span = last - first
        var buckets = [PostmortemModel.ChartPoint?](repeating: nil, count: limit)
        for point in points {
            let bucket = min(limit - 1, Int((point.at - first) * Int64(limit) / (span + 1)))
            if let kept = buckets[bucket], kept.value >= point.value { continue }
            buckets[bucket] = point
        }
        return buckets.compactMap { $0 }
    }

    // MARK: - Warnings

    func readWarnings(verification: VerifyReport?, torn: TornLine?, badLines: [TranscriptLineError]) -> [String] {
        var warnings: [String] = []
        if let problem = verification?.problem {
            if torn != nil, problem.line == torn?.line {
                // Reported below as a torn line: the chain itself held up to it.
            } else {
                warnings.append("The transcript failed verification at seq \(problem.seq) (line \(problem.line)): \(problem.reason). This postmortem was compiled anyway; what it says from seq \(problem.seq) on may not be what was recorded.")
            }
        }
        if let torn {
            warnings.append("The last line of the transcript (line \(torn.line), \(torn.bytes.count) bytes) is torn: the writer stopped mid-line, so it was left out.")
        }
        for bad in badLines {
            warnings.append("Line \(bad.line) of the transcript could not be read (\(bad.reason)) and was left out.")
        }
        return warnings
    }

    func recordWarnings(_ metrics: PostmortemModel.Metrics) -> [String] {
        var warnings: [String] = []
        for entry in kept(.resume) {
            let bytes = entry.data["torn"]?.intValue.map { " (\($0) bytes)" } ?? ""
            warnings.append("At seq \(entry.seq) the session resumed after a crash: a torn line\(bytes) was set aside and is not part of this record.")
        }
        switch state.status {
        case .open: warnings.append("The incident is still open: this postmortem is a draft as of \(state.lastAt.iso8601Seconds).")
        case .paused: warnings.append("The incident is paused, not closed: this postmortem is a draft as of \(state.lastAt.iso8601Seconds).")
        case .closed: break
        }
        if let first = firstBackwards {
            let others = backwards > 1 ? "; \(backwards - 1) more entr\(backwards == 2 ? "y runs" : "ies run") backwards too" : ""
            warnings.append("Entries run backwards in time: seq \(first.seq) is dated \(first.at.iso8601Seconds), before the entry above it (\(first.previous.iso8601Seconds))\(others). Times and durations from them may be wrong; check the transcript with 'warroom verify'.")
        }
        if state.milestones.isEmpty {
            warnings.append("No milestones were marked: no time to detect, mitigate or resolve can be measured, and the impact window runs from the opening to the end. Mark them with 'mark MILESTONE --at TIME'.")
        }
        warnings += metrics.problems.map { $0.description.prefix(1).uppercased() + $0.description.dropFirst() + "." }
        return warnings
    }
}
