/// The responder's playbook commands. Each returns what to record and print; none changes
/// the progress until the session records the drafts and applies them.
extension PlaybookProgress {
    /// Starts the playbook: its first phase and step become current.
    /// - Parameter now: the incident time.
    /// - Returns: a `phase` and a `step` entry, and the first step's title and guide.
    /// - Throws: `PlaybookCommandError.alreadyStarted` when the playbook was begun before.
    public func begin(at now: Instant) throws -> PlaybookOutcome {
        guard !started else { throw PlaybookCommandError.alreadyStarted }
        guard let first = playbook.firstStep else { return PlaybookOutcome(entries: [], message: "") }
        let intro = "Playbook \(playbook.id) v\(playbook.version): \(playbook.title)\n"
            + "\(playbook.phases.count) phases, \(playbook.stepCount) steps. `steps` shows them, `done` completes the current one, `run` runs its suggestions."
        return arrive(at: first, from: nil, reason: nil, leading: [], lines: [intro], now: now)
    }

    /// Completes a step (`done [STEP] [NOTE]`).
    ///
    /// Completing the current step moves along the playbook: a step with a `check` is judged
    /// on the latest result of its probe and goes to `on_pass` or `on_fail`; a step without
    /// one goes to `on_pass` (the next step by default). A step's `milestone` is recorded when
    /// it is completed (and its check passed), unless that milestone was already recorded.
    /// Naming a step that is not current marks it done ahead of time; the path passes over it
    /// when it gets there.
    /// - Parameters:
    ///   - step: the step to complete; `nil` for the current one.
    ///   - note: what the responder wants to say about it, recorded as the entry's `reason`.
    ///   - now: the incident time.
    /// - Returns: entries (`step` done, maybe `milestone`, maybe `phase`, `step` current) and
    ///   the check's verdict and the next step's guide.
    /// - Throws: `PlaybookCommandError` when there is no such step or no current one, the step
    ///   is already done, or its check has no probe result to be judged on.
    public func done(step: String? = nil, note: String? = nil, at now: Instant) throws -> PlaybookOutcome {
        let target = try resolveStep(step)
        if status(of: target.id) == .done, target.id != currentStepID {
            throw PlaybookCommandError.alreadyDone(step: target.id, at: stepSettledAt[target.id])
        }
        var lines: [String] = []
        var checkData: JSONValue?
        var passed = true
        if let check = target.check {
            let verdict = try judge(check, step: target.id, now: now)
            passed = verdict.passed
            checkData = verdict.data
            lines.append(verdict.line)
        }
        let branch = passed ? target.onPass : target.onFail
        let phaseName = playbook.phase(ofStep: target.id)?.name
        var milestoneEntries: [PlaybookEntryDraft] = []
        if let milestone = target.milestone, passed, milestones[milestone] == nil,
            let problem = Milestone(rawValue: milestone).flatMap({ state.orderProblem($0, at: now) })
        {
            lines.append("Milestone \(milestone) not recorded: \(problem). Mark it with `mark \(milestone) --at TIME` once the record is straight.")
        } else if let milestone = target.milestone, passed, milestones[milestone] == nil {
            milestoneEntries.append(PlaybookEntryDraft(
                kind: .milestone, text: "Milestone \(milestone) (step \(target.id))",
                data: ["milestone": .string(milestone), "time": .string(now.iso8601)], phase: phaseName, step: target.id))
            lines.append("Milestone \(milestone) recorded at \(now.clockSeconds).")
        }

        let isCurrent = target.id == currentStepID
        let (landing, passedOver) = isCurrent ? destination(of: branch, from: target.id) : (playbook.destination(of: branch, from: target.id), [])
        var data: JSONObject = ["step": .string(target.id), "status": "done"]
        if let note, !note.isEmpty { data["reason"] = .string(note) }
        if let checkData { data["check"] = checkData }
        data["next"] = .optional(landing?.id)
        let doneEntry = PlaybookEntryDraft(kind: .step, text: "Done: \(target.id) — \(target.title)\(note.map { " (\($0))" } ?? "")",
                                           data: data, phase: phaseName, step: target.id)
        guard isCurrent else {
            lines.insert("Step \(target.id) marked done ahead of time; the current step is still \(currentStepID ?? "none").", at: 0)
            return PlaybookOutcome(entries: [doneEntry] + milestoneEntries, message: lines.joined(separator: "\n"))
        }
        lines.insert("Done: \(target.id) — \(target.title)", at: 0)
        for id in passedOver { lines.append("Passing over \(id) (\(status(of: id).rawValue) earlier).") }
        return arrive(at: landing, from: target.id, reason: nil, leading: [doneEntry] + milestoneEntries, lines: lines, now: now)
    }

    /// `next`: completes the current step without a note, exactly as `done` does.
    /// - Parameter now: the incident time.
    /// - Returns: what `done` returns.
    /// - Throws: what `done` throws.
    public func next(at now: Instant) throws -> PlaybookOutcome {
        try done(step: nil, note: nil, at: now)
    }

    /// Skips a step with a reason (`skip [STEP] REASON`). Skipping the current step follows
    /// its `on_pass` (the next step by default) without judging its check; skipping a later
    /// step marks it so that the path passes over it.
    /// - Parameters:
    ///   - step: the step to skip; `nil` for the current one.
    ///   - reason: why; required.
    ///   - now: the incident time.
    /// - Returns: a `step` skipped entry, and the next step's entries and guide.
    /// - Throws: `PlaybookCommandError` when the reason is empty, there is no such step or no
    ///   current one, or the step is already done.
    public func skip(step: String? = nil, reason: String, at now: Instant) throws -> PlaybookOutcome {
        let target = try resolveStep(step)
        guard !reason.trimmed(of: " \t").isEmpty else { throw PlaybookCommandError.reasonRequired(step: target.id) }
        if status(of: target.id) == .done, target.id != currentStepID {
            throw PlaybookCommandError.alreadyDone(step: target.id, at: stepSettledAt[target.id])
        }
        let isCurrent = target.id == currentStepID
        let (landing, passedOver) = isCurrent ? destination(of: target.onPass, from: target.id) : (playbook.destination(of: target.onPass, from: target.id), [])
        let phaseName = playbook.phase(ofStep: target.id)?.name
        let entry = PlaybookEntryDraft(
            kind: .step, text: "Skipped: \(target.id) — \(target.title) (\(reason))",
            data: ["step": .string(target.id), "status": "skipped", "reason": .string(reason), "next": .optional(landing?.id)],
            phase: phaseName, step: target.id)
        guard isCurrent else {
            return PlaybookOutcome(entries: [entry], message: "Step \(target.id) will be skipped (\(reason)); the current step is still \(currentStepID ?? "none").")
        }
        var lines = ["Skipped: \(target.id) — \(target.title) (\(reason))"]
        for id in passedOver { lines.append("Passing over \(id) (\(status(of: id).rawValue) earlier).") }
        return arrive(at: landing, from: target.id, reason: nil, leading: [entry], lines: lines, now: now)
    }

    /// Leaves the path for a step or the first step of a phase (`goto STEP|PHASE`). The step
    /// left behind returns to pending; a step already done becomes current again.
    /// - Parameters:
    ///   - target: a step id or a phase name.
    ///   - reason: why, if the responder said.
    ///   - now: the incident time.
    /// - Returns: maybe a `phase` entry, and a `step` current entry with `reason` and `from`.
    /// - Throws: `PlaybookCommandError.unknownTarget` for a name that is neither.
    public func goto(_ target: String, reason: String? = nil, at now: Instant) throws -> PlaybookOutcome {
        let step: Playbook.Step
        if let found = playbook.step(target) {
            step = found
        } else if let phase = playbook.phase(named: target), let first = phase.steps.first {
            step = first
        } else {
            throw PlaybookCommandError.unknownTarget(target, suggestion: Suggest.closest(to: target, in: playbook.phaseNames + playbook.stepIDs))
        }
        if step.id == currentStepID {
            return PlaybookOutcome(entries: [], message: "Already at \(step.id) — \(step.title).")
        }
        return arrive(at: step, from: currentStepID, reason: reason ?? "goto \(target)", leading: [], lines: [], now: now)
    }

    /// A step's suggested commands, for `run [STEP]`; the session runs them one by one.
    /// - Parameter step: the step; `nil` for the current one.
    /// - Returns: the commands (`!` ones flagged for confirmation), a `step` entry listing
    ///   them, and the step's guide.
    /// - Throws: `PlaybookCommandError` when there is no such step or no current one.
    public func run(step: String? = nil) throws -> PlaybookRun {
        let target = try resolveStep(step)
        let commands = target.run.map { text in
            PlaybookRun.Command(text: text, isShell: text.drop { $0 == " " || $0 == "\t" }.hasPrefix("!"))
        }
        let phaseName = playbook.phase(ofStep: target.id)?.name
        let entry = PlaybookEntryDraft(
            kind: .step, text: "Running the suggested commands of \(target.id)",
            data: ["step": .string(target.id), "run": .array(target.run.map(JSONValue.string))], phase: phaseName, step: target.id)
        let message = commands.isEmpty
            ? "Step \(target.id) suggests no commands; its guide:\n" + PlaybookText.indent(target.guide ?? target.title, by: 2)
            : "Step \(target.id) — \(target.title): \(commands.count) suggested command\(commands.count == 1 ? "" : "s")"
        return PlaybookRun(step: target, commands: commands, entries: commands.isEmpty ? [] : [entry], message: message)
    }

    // MARK: - Moving

    /// The step to work on: the one named, or the current one.
    func resolveStep(_ id: String?) throws -> Playbook.Step {
        if let id {
            guard let step = playbook.step(id) else {
                throw PlaybookCommandError.unknownStep(id, suggestion: Suggest.closest(to: id, in: playbook.stepIDs))
            }
            return step
        }
        guard let current = currentStep else { throw PlaybookCommandError.noCurrentStep(finished: finished) }
        return current
    }

    /// Where a branch leads from a step, passing over steps settled ahead of time.
    /// - Returns: the landing step (`nil` past the end) and the steps passed over.
    func destination(of branch: Playbook.Target, from id: String) -> (Playbook.Step?, [String]) {
        var landing = playbook.destination(of: branch, from: id)
        var passed: [String] = []
        var seen: Set<String> = [id]
        while let step = landing, let next = settledAhead[step.id], !seen.contains(step.id) {
            seen.insert(step.id)
            passed.append(step.id)
            landing = next.flatMap { playbook.step($0) }
        }
        return (landing, passed)
    }

    /// Entries and text for arriving at a step (or past the end when `step` is `nil`).
    func arrive(at step: Playbook.Step?, from previous: String?, reason: String?, leading: [PlaybookEntryDraft], lines: [String],
                now: Instant) -> PlaybookOutcome
    {
        var entries = leading
        var lines = lines
        guard let step else {
            lines.append("That was the last step of \(playbook.id). Post a final `update`, then `close` the incident with a summary.")
            return PlaybookOutcome(entries: entries, message: lines.joined(separator: "\n"))
        }
        let phase = playbook.phase(ofStep: step.id)
        let previousPhase = previous.flatMap { playbook.phase(ofStep: $0)?.name } ?? currentPhase
        let phaseChanged = !started || phase?.name != previousPhase
        if let phase, phaseChanged {
            let data: JSONObject = ["phase": .string(phase.name), "from": .optional(started ? previousPhase : nil)]
            entries.append(PlaybookEntryDraft(kind: .phase, text: "Phase \(phase.name)", data: data, phase: phase.name, step: step.id))
        }
        var data: JSONObject = ["step": .string(step.id), "status": "current"]
        if let reason { data["reason"] = .string(reason) }
        if let previous, reason != nil { data["from"] = .string(previous) }
        entries.append(PlaybookEntryDraft(kind: .step, text: "Step \(step.id) — \(step.title)", data: data, phase: phase?.name, step: step.id))
        lines.append(card(for: step, phaseChanged: phaseChanged))
        return PlaybookOutcome(entries: entries, message: lines.joined(separator: "\n"))
    }

    /// What the responder sees when a step becomes current: where it sits, its guide, its
    /// suggestions and what decides where `done` goes.
    public func card(for step: Playbook.Step, phaseChanged: Bool = false) -> String {
        var lines: [String] = []
        let location = playbook.locations[step.id]
        if phaseChanged, let location {
            let phase = playbook.phases[location.phase]
            lines.append("== Phase \(location.phase + 1)/\(playbook.phases.count): \(phase.name)" + (phase.description.map { " — \($0)" } ?? ""))
        }
        var details: [String] = []
        if let role = step.role { details.append(role) }
        if let timebox = step.timebox { details.append("timebox \(PlaybookText.duration(timebox))") }
        if let milestone = step.milestone { details.append("sets \(milestone)") }
        let number = location.map { "Step \($0.order + 1)/\(playbook.stepCount)" } ?? "Step"
        lines.append("\(number): \(step.id) — \(step.title)" + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"))
        if let guide = step.guide?.trimmed(of: "\n "), !guide.isEmpty {
            lines.append(PlaybookText.indent(guide, by: 2))
        }
        if !step.run.isEmpty {
            lines.append("  Suggested (`run` runs them in turn):")
            for command in step.run { lines.append("    \(command)") }
        }
        if let check = step.check {
            let pass = playbook.destination(of: step.onPass, from: step.id)?.id ?? "the end"
            let fail = playbook.destination(of: step.onFail, from: step.id)?.id ?? "the end"
            lines.append("  `done` judges \(check.summary) on the latest `probe \(check.probe)`: passes → \(pass), fails → \(fail)")
        }
        return lines.joined(separator: "\n")
    }

    /// Judges a check on the latest reading of its probe.
    func judge(_ check: Playbook.Check, step: String, now: Instant) throws -> (passed: Bool, data: JSONValue, line: String) {
        guard let reading = latestProbes[check.probe] else { throw PlaybookCommandError.needsProbe(step: step, check: check) }
        if reading.unavailable.contains(check.metric) {
            // The target cannot measure it (HAProxy has no database figures): not applicable, and the path goes on as on a pass.
            let why = reading.unavailableReason ?? "the probe at \(reading.at.clockSeconds) says this load balancer cannot provide it"
            let line = "Check: \(check.probe).\(check.metric) is not applicable: \(why); going on as if it passed"
            let data: JSONValue = ["probe": .string(check.probe), "metric": .string(check.metric), "threshold": .number(check.threshold),
                                   "comparison": .string(check.comparison.rawValue), "passed": .null, "applicable": false, "reason": .string(why),
                                   "probed_at": .string(reading.at.iso8601)]
            return (true, data, line)
        }
        guard let value = reading.metrics[check.metric]?.doubleValue else {
            throw PlaybookCommandError.metricMissing(step: step, check: check, probedAt: reading.at)
        }
        // A check after a change judges the time since it: a window that began before the change
        // is mostly what the change was meant to end.
        if let change = record.lastConfigurationChange, let from = reading.windowFrom, from < change.at {
            throw PlaybookCommandError.readingBeforeChange(step: step, check: check, from: from, to: reading.windowTo ?? reading.at,
                                                          change: change.at, version: change.version)
        }
        let passed = check.passes(value)
        let age = now - reading.at
        let ageText = age >= 60_000 ? ", \(PlaybookText.duration(age)) ago" : ""
        let span = reading.windowFrom.map { " over \($0.clockSeconds)–\((reading.windowTo ?? reading.at).clockSeconds)" } ?? ""
        let line = "Check: \(check.probe).\(check.metric) = \(MetricText.format(value, metric: check.metric)) (probe at \(reading.at.clockSeconds)\(span)\(ageText)), "
            + "\(check.comparison.rawValue) \(MetricText.format(check.threshold, metric: check.metric))? \(passed ? "yes: passed" : "no: failed")"
        let data: JSONValue = [
            "probe": .string(check.probe), "metric": .string(check.metric), "value": .number(value), "threshold": .number(check.threshold),
            "comparison": .string(check.comparison.rawValue), "passed": .bool(passed), "probed_at": .string(reading.at.iso8601),
        ]
        return (passed, data, line)
    }
}
