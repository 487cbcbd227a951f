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
    private(set) var notable = KeptStore(spillingTo: nil)
    /// Where the columns that grow with the transcript spill; nil while they are held.
    private(set) var spill: SpillFile?
    /// The last readable `probe: range` entry (an incident worked against Prometheus).
    var measuredRange: TranscriptEntry?
    /// Positions in `notable` by kind, so that each section visits only its own entries.
    var byKind: [EntryKind: SpillColumn<Int32>] = [:]
    /// When the playbook reminded to page someone (`timer` entries of the `escalation` timer),
    /// by whom it said to page (`data.page`, else `data.to`), in transcript order: told apart as
    /// they are folded, so that the story reads none of a long incident's reminders again.
    var reminderTimes: [String: SpillColumn<Instant>] = [:]
    /// The playbook adherence table as the steps and reminders were folded, uncorrected.
    var adherence = AdherenceFold()
    /// Whether every kept entry's seq is above the one kept before it (so kept entries can be
    /// searched by seq).
    var keptSeqsRise = true
    private var lastKeptSeq: Int?
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
        var rows: EvidenceRows
        /// The row being read, reused from one result to the next.
        private var reading: [Double] = []

        init(probe: String, spillingTo file: SpillFile? = nil) {
            self.probe = probe
            rows = EvidenceRows(spillingTo: file)
        }

        mutating func append(seq: Int, at: Instant, reported: JSONObject, windowFrom: Instant? = nil) {
            reading.removeAll(keepingCapacity: true)
            reading.append(contentsOf: repeatElement(EvidenceRows.absent, count: metrics.count))
            for member in reported.members {
                guard case .number(let value) = member.value else { continue }
                let index: Int
                if let known = metricIndex[member.key] {
                    index = known
                } else {
                    index = metrics.count
                    metrics.append(member.key)
                    metricIndex[member.key] = index
                    reading.append(EvidenceRows.absent)
                }
                reading[index] = value
            }
            rows.append(seq: seq, at: at, values: reading, windowFrom: windowFrom)
        }
    }

    /// A probe's results, every row's values in one flat column: a long incident holds hundreds
    /// of thousands of them, and an array per row would be most of the postmortem's memory.
    /// Past `PostmortemLimits.heldTranscriptBytes` the columns spill to a temporary file.
    /// A row is as wide as the probe's metrics were when it was recorded.
    struct EvidenceRows: RandomAccessCollection {
        private(set) var seqs: SpillColumn<Int>
        private(set) var ats: SpillColumn<Instant>
        /// Where each row's values begin in `values`; a row ends where the next begins.
        private var starts: SpillColumn<Int>
        /// Every row's values; `EvidenceRows.absent` where a probe did not report a metric.
        private var values: SpillColumn<Double>
        /// `data.window.from` by row, for the rows whose probe said.
        private var windowFroms: [Int: Instant] = [:]

        /// A NaN no JSON number decodes to: the mark of a value not reported.
        static let absent = Double(nan: 0x5A17, signaling: false)

        init(spillingTo file: SpillFile?) {
            seqs = SpillColumn(spillingTo: file)
            ats = SpillColumn(spillingTo: file)
            starts = SpillColumn(spillingTo: file)
            values = SpillColumn(spillingTo: file)
        }

        var startIndex: Int { 0 }
        var endIndex: Int { seqs.count }

        subscript(row: Int) -> PostmortemModel.EvidenceRow {
            PostmortemModel.EvidenceRow(seq: seqs[row], at: ats[row], values: (0..<width(row)).map { value(row, $0) }, windowFrom: windowFroms[row])
        }

        /// The number of values row `row` holds.
        func width(_ row: Int) -> Int {
            (row + 1 < starts.count ? starts[row + 1] : values.count) - starts[row]
        }

        /// Row `row`'s value of metric `metric`, nil when not reported.
        func value(_ row: Int, _ metric: Int) -> Double? {
            guard metric < width(row) else { return nil }
            let value = values[starts[row] + metric]
            return value.bitPattern == Self.absent.bitPattern ? nil : value
        }

        /// Where the span row `row`'s values cover began, when its probe said.
        func windowFrom(_ row: Int) -> Instant? { windowFroms[row] }

        /// Adds a row.
        mutating func append(seq: Int, at: Instant, values row: some Collection<Double>, windowFrom: Instant?) {
            if let windowFrom { windowFroms[seqs.count] = windowFrom }
            seqs.append(seq)
            ats.append(at)
            starts.append(values.count)
            values.append(contentsOf: row)
        }

        /// The rows whose seq `keep` accepts.
        func filter(keeping keep: (Int) -> Bool) -> EvidenceRows {
            var kept = EvidenceRows(spillingTo: seqs.spillFile)
            for row in indices where keep(seqs[row]) {
                let start = starts[row]
                kept.append(seq: seqs[row], at: ats[row], values: (start..<start + width(row)).lazy.map { values[$0] }, windowFrom: windowFroms[row])
            }
            return kept
        }
    }

    /// A drill facilitator's injects into the simulation (private entries): the chart's re-run makes them.
    private(set) var simulationInjects: [TranscriptEntry] = []

    /// Kinds that never become part of the postmortem's text.
    private static let passOver: Set<EntryKind> = [.probe, .command, .error, .pause, .role, .amend, .retract]

    /// Puts the numerous kinds' kept entries down as they are folded, to be read again from
    /// the file by `reader`: a long transcript's postmortem then holds a few bytes per entry.
    /// - Parameter file: where the per-entry columns (the kept entries' places, the probe
    ///   readings, the positions by kind) spill, so that they do not grow with the transcript
    ///   either; nil to hold them.
    mutating func putDown(readingFrom reader: TranscriptLineReader, spillingTo file: SpillFile?) {
        notable = KeptStore(spillingTo: file)
        notable.reader = reader
        spill = file
    }

    /// Folds one entry in. Entries must come in transcript order.
    /// - Parameter place: where its line is in the file, when entries are put down.
    mutating func add(_ entry: TranscriptEntry, place: TranscriptStream.LinePlace? = nil) {
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
            keep(entry, place)
        case .step:
            if let probe = entry.data["check"]?["probe"]?.stringValue, let index = seriesIndex[probe], !series[index].rows.isEmpty {
                citations[entry.seq] = [ProbeRef(series: index, row: series[index].rows.count - 1)]
            }
            keep(entry, place)
        case .shell, .timer:
            // A shell command's captured output can be large and the postmortem shows only the
            // command; reminders are not events of the incident, but the Appendix lists them.
            if entry.kind == .timer, entry.data["timer"]?.stringValue == "escalation",
               let to = (entry.data["page"] ?? entry.data["to"])?.stringValue
            {
                reminderTimes[to, default: SpillColumn(spillingTo: spill)].append(entry.at)
            }
            keep(entry, place)
        case .resume:
            if entry.data["torn"] != nil { keep(entry, place) }
        case .error:
            // A change refused because someone else had moved what it depended on: part of
            // what happened when two responders acted at once.
            if entry.data["conflict"] != nil { keep(entry, place) }
        default:
            if !Self.passOver.contains(entry.kind) { keep(entry, place) }
        }
    }

    private mutating func keep(_ entry: TranscriptEntry, _ place: TranscriptStream.LinePlace?) {
        if let last = lastKeptSeq, last >= entry.seq { keptSeqsRise = false }
        lastKeptSeq = entry.seq
        if entry.kind == .step || entry.kind == .timer { adherence.add(entry, text: entry.text) }
        byKind[entry.kind, default: SpillColumn(spillingTo: spill)].append(Int32(notable.count))
        notable.append(entry, place: place)
    }

    /// The kept entries, in transcript order. Each is held, or, once a reader is given, an entry
    /// of the kinds a long incident has by the tens of thousands is put down: its line's place is
    /// held, and the entry is read again from the file each time it is looked at.
    struct KeptStore: RandomAccessCollection {
        private var held: [TranscriptEntry] = []
        /// Per kept entry: its index in `held`, or for one put down, its line's offset, bits
        /// flipped (so negative).
        private var slots: SpillColumn<Int>
        /// Per kept entry: its line's length, for one put down, with `bulletBit` set when the
        /// entry makes a bullet of the full timeline; for a note, the postmortem's tags it was
        /// recorded with (`tagShift`), so that the lessons are found without reading every note.
        private var lengths: SpillColumn<UInt32>
        /// Per kept entry: its seq and time, so that an entry put down need not be read again
        /// to tell whether it was retracted, or where its bullet goes.
        private var seqs: SpillColumn<Int>
        private var ats: SpillColumn<Instant>
        private var kinds: SpillColumn<EntryKind>

        init(spillingTo file: SpillFile?) {
            slots = SpillColumn(spillingTo: file)
            lengths = SpillColumn(spillingTo: file)
            seqs = SpillColumn(spillingTo: file)
            ats = SpillColumn(spillingTo: file)
            kinds = SpillColumn(spillingTo: file)
        }
        private static let bulletBit: UInt32 = 1 << 31
        /// Where a note's tag bits begin (bit `i` for `PostmortemBuilder.postmortemTagOrder[i]`);
        /// a line put down is shorter than `1 << tagShift` bytes.
        private static let tagShift: UInt32 = 26
        private static let lengthMask: UInt32 = (1 << tagShift) - 1
        /// Where entries put down are read from; nil while every entry is held.
        fileprivate(set) var reader: TranscriptLineReader?

        /// The kinds put down: what a long incident has by the thousands. The rest (milestones,
        /// hypotheses, statements, escalations …) are few, and looked up often.
        static let putDownKinds: Set<EntryKind> = [.note, .step, .timer, .update, .shell, .lb]

        var startIndex: Int { 0 }
        var endIndex: Int { slots.count }

        subscript(position: Int) -> TranscriptEntry {
            let slot = slots[position]
            if slot >= 0 { return held[slot] }
            let place = TranscriptStream.LinePlace(offset: ~slot, length: Int(lengths[position] & Self.lengthMask))
            // The entry read again must be the one folded: the same seq, kind and time. (One
            // changed otherwise, that no longer makes the bullet it made, is told by the
            // timeline: `PostmortemTimeline.Maker.unmade`.)
            guard let reader, let entry = reader.entry(at: place), entry.seq == seqs[position], entry.kind == kinds[position], entry.at == ats[position]
            else {
                // The file was changed in place while the postmortem was written: say so where
                // the entry would have been (a note makes a bullet wherever it is asked for),
                // rather than stop half-way through the document.
                return TranscriptEntry(seq: seqs[position], at: ats[position], wall: ats[position], by: "", kind: .note,
                                       text: "(the transcript's line at byte \(place.offset) changed while the postmortem was written)")
            }
            return Self.lean(entry)
        }

        /// Entry `position`'s seq, without reading it again.
        func seq(_ position: Int) -> Int { seqs[position] }

        /// Entry `position`'s kind, without reading it again.
        func kind(_ position: Int) -> EntryKind { kinds[position] }

        /// The postmortem's tags note `position` was recorded with, as bits
        /// (`PostmortemBuilder.tagBits`).
        func tagBits(_ position: Int) -> UInt8 { UInt8(truncatingIfNeeded: (lengths[position] & ~Self.bulletBit) >> Self.tagShift) }

        /// For an entry put down, whether it makes a bullet of the full timeline (for a load
        /// balancer command: whether it changed the configuration); nil for one held.
        func makesBullet(_ position: Int) -> Bool? {
            isPutDown(position) ? lengths[position] & Self.bulletBit != 0 : nil
        }

        /// Whether entry `position` was put down.
        func isPutDown(_ position: Int) -> Bool { slots[position] < 0 }

        /// For an entry put down: when its full timeline bullet is, nil when it makes none.
        func bulletTime(_ position: Int) -> Instant? {
            lengths[position] & Self.bulletBit != 0 ? ats[position] : nil
        }

        mutating func append(_ entry: TranscriptEntry, place: TranscriptStream.LinePlace?) {
            seqs.append(entry.seq)
            ats.append(entry.at)
            kinds.append(entry.kind)
            let tags = entry.kind == .note ? UInt32(PostmortemBuilder.tagBits(entry)) << Self.tagShift : 0
            if reader != nil, let place, place.length <= Int(Self.lengthMask), Self.putDownKinds.contains(entry.kind) {
                slots.append(~place.offset)
                lengths.append(UInt32(place.length) | tags | (PostmortemBuilder.makesBullet(entry) ? Self.bulletBit : 0))
                return
            }
            slots.append(held.count)
            lengths.append(tags)
            held.append(Self.lean(entry))
        }

        /// What the postmortem reads of a kept entry. It reads neither the hash (the state keeps
        /// the last) nor what was typed, but for a refused change, nor a shell command's output,
        /// nor a reminder's input: not holding them is a third of the memory.
        static func lean(_ entry: TranscriptEntry) -> TranscriptEntry {
            var lean = entry
            lean.hash = ""
            if lean.kind != .error { lean.input = nil }
            if lean.kind == .shell { lean.text = "" }
            return lean
        }
    }

    /// The kept entries of the given kinds, in transcript order: a view of one kind's, or of
    /// several kinds' merged into a column of their positions (spilled as the others are).
    func kept(_ kinds: EntryKind...) -> KeptEntries {
        let columns = kinds.compactMap { byKind[$0] }.filter { !$0.isEmpty }
        guard columns.count > 1 else { return KeptEntries(notable: notable, positions: columns.first ?? SpillColumn(spillingTo: nil)) }
        // Each kind's positions rise: merged a position at a time, the smallest head first.
        var merged = SpillColumn<Int32>(spillingTo: spill)
        var heads = [Int](repeating: 0, count: columns.count)
        while true {
            var next: Int?
            for (index, column) in columns.enumerated() where heads[index] < column.count {
                if next.map({ column[heads[index]] < columns[$0][heads[$0]] }) ?? true { next = index }
            }
            guard let next else { break }
            merged.append(columns[next][heads[next]])
            heads[next] += 1
        }
        return KeptEntries(notable: notable, positions: merged)
    }

    /// Some of the kept entries, in transcript order.
    struct KeptEntries: RandomAccessCollection {
        let notable: KeptStore
        /// Their positions in `notable`.
        let positions: SpillColumn<Int32>

        var startIndex: Int { 0 }
        var endIndex: Int { positions.count }
        subscript(index: Int) -> TranscriptEntry { notable[Int(positions[index])] }
        /// Entry `index`'s seq, without reading it again.
        func seq(_ index: Int) -> Int { notable.seq(Int(positions[index])) }
        /// Entry `index`'s kind, without reading it again.
        func kind(_ index: Int) -> EntryKind { notable.kind(Int(positions[index])) }
    }

    /// The probe result recorded as entry `seq`, if one was.
    func probeRow(seq: Int) -> ProbeRef? {
        for (index, kind) in series.enumerated() {
            let low = kind.rows.seqs.partitioningIndex { $0 >= seq }
            if low < kind.rows.count, kind.rows.seqs[low] == seq { return ProbeRef(series: index, row: low) }
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
            series.append(ProbeSeries(probe: probe, spillingTo: spill))
            seriesIndex[probe] = index
        }
        series[index].append(seq: entry.seq, at: entry.at, reported: metrics,
                             windowFrom: entry.data["window"]?.objectValue?["from"]?.stringValue.flatMap(Instant.parseISO8601))
    }
}
