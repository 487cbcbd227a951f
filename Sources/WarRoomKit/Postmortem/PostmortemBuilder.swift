/// Reads a transcript one entry at a time for the postmortem.
///
/// The incident's state (milestones, hypotheses, actions, statements, with amends and
/// retractions applied) comes from the same `IncidentState` fold the shell uses. Alongside it
/// the builder keeps what the fold does not: the entries a reader's timeline is made of, every
/// probe result (compactly, as numbers), and which probe results each decision relied on.
/// A retraction or an amend can arrive long after the entry it corrects, so nothing is final
/// until `finish` applies them to what was collected.
///
/// Memory stays proportional to what the postmortem shows, not to the transcript: probe and
/// command entries, the bulk of a long incident, are not kept as entries.
struct PostmortemBuilder {
    private(set) var state = IncidentState()
    /// Entries that may become timeline bullets, lessons, adherence rows or config changes.
    var notable: [TranscriptEntry] = []
    /// The last readable `probe: range` entry (an incident worked against Prometheus).
    var measuredRange: TranscriptEntry?
    /// Positions in `notable` by kind, so that each section visits only its own entries.
    var byKind: [EntryKind: [Int]] = [:]
    /// `amend` entries, so an amend that was itself retracted can be ignored.
    var amends: [(seq: Int, target: Int, text: String)] = []
    /// Probe results by kind, in order of first use.
    var series: [ProbeSeries] = []
    var seriesIndex: [String: Int] = [:]
    /// Step entry whose check decided a branch → the probe result it was judged on.
    var citations: [Int: [ProbeRef]] = [:]
    /// People who wrote something other than automated `lb` and `timer` entries.
    var authors: Set<String> = []
    var firstAt: Instant?
    /// Entries dated before the entry above them, and the first of them.
    var backwards = 0
    var firstBackwards: (seq: Int, at: Instant, previous: Instant)?
    private var previousAt: Instant?
    /// The earliest time of any entry (an edited `open` can be dated after the others).
    var earliestAt: Instant?

    /// A probe result, by series and row.
    struct ProbeRef: Equatable {
        var series: Int
        var row: Int
    }

    /// The results of one probe kind; metric names in order of first appearance.
    struct ProbeSeries {
        var probe: String
        var metrics: [String] = []
        var metricIndex: [String: Int] = [:]
        var rows: [PostmortemModel.EvidenceRow] = []

        init(probe: String) { self.probe = probe }

        mutating func append(seq: Int, at: Instant, reported: JSONObject, windowFrom: Instant? = nil) {
            var values = [Double?](repeating: nil, count: metrics.count)
            for member in reported.members {
                guard case .number(let value) = member.value else { continue }
                let index: Int
                if let known = metricIndex[member.key] {
                    index = known
                } else {
                    index = metrics.count
                    metrics.append(member.key)
                    metricIndex[member.key] = index
                    values.append(nil)
                }
                values[index] = value
            }
            rows.append(PostmortemModel.EvidenceRow(seq: seq, at: at, values: values, windowFrom: windowFrom))
        }
    }

    /// A drill facilitator's injects into the simulation (private entries): the chart's re-run makes them.
    private(set) var simulationInjects: [TranscriptEntry] = []

    /// Kinds that never become part of the postmortem's text.
    private static let passOver: Set<EntryKind> = [.probe, .command, .error, .pause, .role, .amend, .retract]

    /// Folds one entry in. Entries must come in transcript order.
    mutating func add(_ entry: TranscriptEntry) {
        // A drill facilitator's private lines are no part of the team's record (docs/DRILLS.md).
        guard entry.kind != .facilitatorOnly else {
            state.apply(entry)
            // Its inject into the simulation is not told, but the re-run makes it.
            if SimulationInject(entry: entry) != nil { simulationInjects.append(entry) }
            return
        }
        state.apply(entry)
        if firstAt == nil { firstAt = entry.at }
        // An entry backdated on purpose (`--at TIME`) says so and is not a clock gone wrong.
        let backdated = entry.data["backdated"] != nil
        if let previousAt, entry.at < previousAt, !backdated {
            backwards += 1
            if firstBackwards == nil { firstBackwards = (entry.seq, entry.at, previousAt) }
        }
        if !backdated { previousAt = entry.at }
        if earliestAt.map({ entry.at < $0 }) ?? true { earliestAt = entry.at }
        if entry.isByAPerson, !authors.contains(entry.by) {
            authors.insert(entry.by)
        }
        switch entry.kind {
        case .probe where entry.data["probe"]?.stringValue == "range":
            // Prometheus's range over the incident, recorded at close: the chart's lines.
            if entry.data["available"]?.boolValue != false { measuredRange = entry }
        case .probe:
            addProbe(entry)
        case .amend:
            if let target = entry.data["target"]?.intValue { amends.append((entry.seq, target, entry.text)) }
        case .hypothesis:
            keep(entry)
        case .step:
            if let probe = entry.data["check"]?["probe"]?.stringValue, let index = seriesIndex[probe], !series[index].rows.isEmpty {
                citations[entry.seq] = [ProbeRef(series: index, row: series[index].rows.count - 1)]
            }
            keep(entry)
        case .shell:
            // The captured output can be large and the postmortem shows only the command.
            var kept = entry
            kept.text = ""
            keep(kept)
        case .timer:
            // Reminders are not events of the incident, but the Appendix lists them.
            var kept = entry
            kept.input = nil
            keep(kept)
        case .resume:
            if entry.data["torn"] != nil { keep(entry) }
        case .error:
            // A change refused because someone else had moved what it depended on: part of
            // what happened when two responders acted at once.
            if entry.data["conflict"] != nil { keep(entry) }
        default:
            if !Self.passOver.contains(entry.kind) { keep(entry) }
        }
    }

    private mutating func keep(_ entry: TranscriptEntry) {
        byKind[entry.kind, default: []].append(notable.count)
        notable.append(entry)
    }

    /// The kept entries of the given kinds, in transcript order.
    func kept(_ kinds: EntryKind...) -> [TranscriptEntry] {
        let positions = kinds.count == 1 ? byKind[kinds[0]] ?? [] : kinds.flatMap { byKind[$0] ?? [] }.sorted()
        return positions.map { notable[$0] }
    }

    /// The probe result recorded as entry `seq`, if one was.
    func probeRow(seq: Int) -> ProbeRef? {
        for (index, kind) in series.enumerated() {
            var low = 0
            var high = kind.rows.count
            while low < high {
                let mid = (low + high) / 2
                if kind.rows[mid].seq < seq { low = mid + 1 } else { high = mid }
            }
            if low < kind.rows.count, kind.rows[low].seq == seq { return ProbeRef(series: index, row: low) }
        }
        return nil
    }

    private mutating func addProbe(_ entry: TranscriptEntry) {
        guard let probe = entry.data["probe"]?.stringValue, let metrics = entry.data["metrics"]?.objectValue else { return }
        let index: Int
        if let known = seriesIndex[probe] {
            index = known
        } else {
            index = series.count
            series.append(ProbeSeries(probe: probe))
            seriesIndex[probe] = index
        }
        series[index].append(seq: entry.seq, at: entry.at, reported: metrics,
                             windowFrom: entry.data["window"]?.objectValue?["from"]?.stringValue.flatMap(Instant.parseISO8601))
    }
}
