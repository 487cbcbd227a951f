/// Why a debrief cannot be compiled.
public enum DebriefError: Error, CustomStringConvertible {
    /// The transcript is not a drill: there is nothing to compare it with.
    case notADrill(String)
    /// The drill's scenario cannot be read.
    case scenario(String, reason: String)

    public var description: String {
        switch self {
        case .notADrill(let path):
            return "\(path) is not a drill (its open entry names no scenario): a debrief compares a drill's record with its scenario's plan; for a real incident, compile its postmortem"
        case .scenario(let id, let reason):
            return "the drill's scenario '\(id)' cannot be read (\(reason)); give the folder it is in with --playbooks"
        }
    }
}

extension Debrief {
    /// Compiles a drill's debrief from its transcript's entries, reading the scenario its `open`
    /// entry names (the recorded path, else the id in `folders`).
    /// - Throws: `DebriefError`.
    public static func compile(entries: [TranscriptEntry], transcriptFile: String, folders: [String]) throws -> Debrief {
        let state = IncidentState(entries: entries)
        guard state.isDrill, let record = state.openData["scenario"] else { throw DebriefError.notADrill(transcriptFile) }
        let scenario: Scenario
        do {
            scenario = try SessionSetup.recordedScenario(record, folders: folders)
        } catch {
            throw DebriefError.scenario(record["id"]?.stringValue ?? "?", reason: "\(error)")
        }
        return compile(entries: entries, state: state, scenario: scenario, transcriptFile: transcriptFile)
    }

    static func compile(entries: [TranscriptEntry], state: IncidentState, scenario: Scenario, transcriptFile: String) -> Debrief {
        var findings: [String] = []
        let plan = scenario.drill
        if plan == nil { findings.append("the scenario '\(scenario.id)' has no drill: block, so there is no par and no intended path to compare with (docs/DRILLS.md)") }
        let trigger = plan.map { scenario.start + $0.trigger } ?? state.scenarioTrigger?.at ?? scenario.start + (scenario.events.first?.offset ?? 0)
        let end = state.lastAt
        let live = entries.filter { state.retractions[$0.seq] == nil }

        // Times against par.
        let milestones: [(String, Milestone, Int64?)] = [("detect", .detected, plan?.par.detect), ("mitigate", .mitigated, plan?.par.mitigate),
                                                         ("resolve", .resolved, plan?.par.resolve)]
        let times = milestones.map { name, milestone, par in
            let at = state.milestone(milestone)
            if at == nil { findings.append("'\(milestone.rawValue)' was never marked, so the team's time to \(name) is not known") }
            if plan != nil, par == nil { findings.append("the plan gives no par for \(name)") }
            return Time(name: name, at: at, par: par, afterTrigger: at.map { $0 - trigger })
        }

        // The misleading paths, as the team walked them.
        let hypotheses = state.hypotheses
        var onAPath: Set<String> = []
        let probes = live.filter { $0.kind == .probe }
        func runs(of command: String) -> [Instant] {
            let kind = command.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            return probes.filter { $0.data["probe"]?.stringValue == kind }.map(\.at)
        }
        let paths = (plan?.misleading ?? []).map { path -> Path in
            let walked = hypotheses.filter { path.matches($0.text) }
            onAPath.formUnion(walked.map(\.id))
            let raised = walked.map(\.raisedAt).min()
            let settled = walked.allSatisfy { $0.status != .open } ? walked.compactMap(\.resolvedAt).max() : nil
            let probeRuns = runs(of: path.ruledOutBy)
            // The first run after it was raised; a run before it means the evidence was there as it was raised.
            let probeRun = raised.flatMap { raised in probeRuns.first { $0 >= raised } ?? (probeRuns.contains { $0 < raised } ? raised : nil) }
            if let raised, settled == nil { findings.append("the misleading path '\(path.name)' (raised \(raised.clockMinutes)) was never ruled out") }
            return Path(name: path.name, ruledOutBy: path.ruledOutBy, why: path.why, hypotheses: walked, raisedAt: raised, settledAt: settled,
                        spent: raised.map { (settled ?? end) - $0 }, probeRunAt: probeRun)
        }
        let confirm = plan?.confirm.map { (command: $0, firstRun: runs(of: $0).first) }

        // The fix: the first change typed that begins like one of the plan's.
        let fixes = plan?.fix ?? []
        let fixEntry = live.first { entry in
            entry.kind == .lb && entry.isByAPerson && fixes.contains { prefix in (entry.input ?? "").hasPrefix(prefix) }
        }

        // Steps.
        let record = state.steps
        var done: [String] = [], skipped: [String] = []
        for (id, status) in record.statuses.sorted(by: { (record.stepStartedAt[$0.key] ?? end, $0.key) < (record.stepStartedAt[$1.key] ?? end, $1.key) }) {
            if status == .done { done.append(id) } else if status == .skipped { skipped.append(id) }
        }
        let overdue = record.overdueSteps.sorted { (record.stepStartedAt[$0] ?? end, $0) < (record.stepStartedAt[$1] ?? end, $1) }

        // Who did what.
        var people: [String: Person] = [:]
        var order: [String] = []
        for entry in live where entry.isByAPerson && ![.join, .leave, .pause, .resume, .open, .facilitatorOnly].contains(entry.kind) {
            if people[entry.by] == nil {
                people[entry.by] = Person(name: entry.by + (entry.by == state.facilitator ? " (facilitator)" : ""), logins: [], first: entry.at, last: entry.at)
                order.append(entry.by)
            }
            var person = people[entry.by]!
            person.last = entry.at
            if let login = entry.login, login != entry.by, !person.logins.contains(login) { person.logins.append(login) }
            switch entry.kind {
            case .probe: person.probes += 1
            case .lb: person.changes += 1
            case .note: person.notes += 1
            case .hypothesis where entry.data["status"]?.stringValue == "open": person.hypotheses += 1
            default: person.commands += 1
            }
            people[entry.by] = person
        }

        // What happened to the team, and how long until someone reacted.
        var happenings: [Happening] = []
        for entry in live {
            if let inject = SimulationInject(entry: entry) {
                // An inject into the simulation, which the team met only through its effects: met
                // when someone other than the facilitator reads the figure it changed.
                let probe = inject.probe
                let reading = live.first { $0.seq > entry.seq && $0.kind == .probe && $0.data["probe"]?.stringValue == probe && $0.isByAPerson && $0.by != entry.by }
                happenings.append(Happening(at: entry.at, what: "silent inject: \(inject.summary) (met by the first 'probe \(probe)')",
                                            reaction: reading.map { ($0.at, $0.by, Display.firstLine($0.input ?? $0.text, limit: 60)) }))
                continue
            }
            let what: String?
            switch entry.kind {
            case .alert where entry.data["state"]?.stringValue == "firing": what = "alert \(entry.data["alert"]?.stringValue ?? "?") fired"
            case .lb where LoadBalancerChangeRecord(entry: entry)?.action == "scenario-event": what = Display.firstLine(entry.text, limit: 90)
            case .inject:
                what = "inject " + (entry.data["inject"]?.stringValue.map { "\($0): " } ?? "") + Display.firstLine(entry.text, limit: 80)
            case .note where entry.data["tags"]?.arrayValue?.contains(.string("inject")) == true:
                // The facilitator delivered an inject: `note #inject customer-tweets …`.
                let words = entry.text.split(separator: " ").map(String.init).filter { $0 != "#inject" }
                let known = plan?.injects.first { inject in words.contains(inject.name) || words.contains("#" + inject.name) }
                what = "inject " + (known.map { "\($0.name): \($0.text)" } ?? words.joined(separator: " "))
            default: what = nil
            }
            guard let what else { continue }
            // The first thing someone else recorded after it (an inject's author is the facilitator).
            let reaction = live.first { $0.seq > entry.seq && $0.isByAPerson && ![.join, .leave, .pause, .resume].contains($0.kind)
                && !((entry.kind == .note || entry.kind == .inject) && $0.by == entry.by) && $0.kind != .facilitatorOnly }
            happenings.append(Happening(at: entry.at, what: what, reaction: reaction.map { ($0.at, $0.by, Display.firstLine($0.input ?? $0.text, limit: 60)) }))
        }

        return Debrief(
            incident: state.id, title: state.title, scenario: scenario.id, transcriptFile: transcriptFile, entryCount: live.count, finalHash: state.lastHash,
            trigger: trigger, firstAlert: state.firstAlert, times: times, paths: paths,
            otherHypotheses: hypotheses.filter { !onAPath.contains($0.id) }, confirm: confirm,
            fix: (fixes, fixEntry?.at, fixEntry.map { $0.input ?? $0.text }),
            stepsDone: done, stepsSkipped: skipped, stepsOverdue: overdue, people: order.compactMap { people[$0] },
            happenings: happenings, end: end, findings: findings)
    }
}
