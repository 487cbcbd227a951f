/// The incident's timeline as the shell's `timeline` and `warroom timeline` print it.
public enum TimelineView {
    /// Renders entries, one per line: `03:45:12Z  #12  alice     milestone   detected`.
    ///
    /// Read-only `command` entries are left out (they change nothing); amended entries show the
    /// correction, retracted ones say so; backdated milestones show their effective time.
    /// - Parameters:
    ///   - entries: the transcript's entries.
    ///   - state: the fold of the same entries (amendments, retractions).
    ///   - last: only the last N lines.
    ///   - isShown: which entries the reader may see (a drill facilitator's private ones, say, are not for everyone).
    public static func render(entries: [TranscriptEntry], state: IncidentState, last: Int? = nil,
                              where isShown: (TranscriptEntry) -> Bool = { _ in true }) -> String {
        // The rows shown, then the widths of the first four columns, then each row written once
        // into the output: 100,000 rows cost no table of cells.
        var shown = entries.indices.filter { entries[$0].kind != .command && isShown(entries[$0]) }
        if let last, shown.count > last { shown.removeFirst(shown.count - last) }
        guard !shown.isEmpty else { return "(no entries)" }
        var widths = [0, 0, 0, 0]
        for index in shown {
            for (column, cell) in leadingCells(entries[index]).enumerated() { widths[column] = max(widths[column], Display.width(cell)) }
        }
        var output = ""
        output.reserveCapacity(shown.count * 96)
        for (number, index) in shown.enumerated() {
            if number > 0 { output += "\n" }
            let cells = row(entries[index], state: state)
            for column in 0..<4 {
                output += Display.pad(cells[column], widths[column])
                output += "  "
            }
            output += cells[4]
        }
        return output
    }

    /// Whether an entry is shown to the others in the room as it arrives — above another
    /// shell's prompt and in `warroom watch`, by this one rule: not a line that only looked or
    /// changed nothing (a read-only command, a mistyped one), but `advance` (it moves the room's
    /// clock for everyone) and a refused change (`data.conflict`: someone tried to act on what
    /// had moved, and the room should know).
    public static func showsToOthers(_ entry: TranscriptEntry) -> Bool {
        switch entry.kind {
        case .command: entry.data["command"] == "advance" || entry.data["command"] == "clock"
        case .error: entry.data["conflict"] != nil
        default: true
        }
    }

    /// One entry as one line with fixed columns, for output that grows as entries arrive
    /// (`warroom watch`): `03:45:12Z  #12     alice       milestone    detected`.
    /// - Parameters:
    ///   - entry: the entry.
    ///   - state: the fold up to and including it.
    public static func line(_ entry: TranscriptEntry, state: IncidentState) -> String {
        let cells = row(entry, state: state)
        return "\(cells[0])  \(Display.pad(cells[1], 6))  \(Display.pad(cells[2], 10))  \(Display.pad(cells[3], 11))  \(cells[4])"
    }

    static func row(_ entry: TranscriptEntry, state: IncidentState) -> [String] {
        var text = summary(entry)
        if let amended = state.amendments[entry.seq] { text = Display.firstLine(amended) + "  [amended]" }
        if let reason = state.retractions[entry.seq] { text += "  [retracted: \(Display.firstLine(reason, limit: 60))]" }
        return leadingCells(entry) + [Display.sanitize(text)]
    }

    /// A row's time, number, author and kind: the aligned columns.
    static func leadingCells(_ entry: TranscriptEntry) -> [String] {
        [entry.at.clockSeconds, "#\(entry.seq)", Display.sanitize(entry.author), entry.kind.rawValue]
    }

    /// A one-line description of an entry.
    public static func summary(_ entry: TranscriptEntry) -> String {
        let data = entry.data
        switch entry.kind {
        case .facilitatorOnly:
            let what = data["private"] == "hint" ? "hint for \(data["to"]?.stringValue ?? "?")" : data["private"]?.stringValue ?? "whisper"
            return "[facilitator only] \(what): \(Display.firstLine(entry.text))"
        case .inject:
            return "INJECT" + (data["inject"]?.stringValue.map { " \($0)" } ?? "") + ": \(Display.firstLine(entry.text))"
        case .milestone:
            let name = data["milestone"]?.stringValue ?? ""
            let time = data["time"]?.stringValue.flatMap(Instant.parseISO8601)
            let when = time.map { $0 != entry.at ? " (at \($0.clockSeconds))" : "" } ?? ""
            let text = entry.text == name ? "" : ": \(Display.firstLine(entry.text))"
            return "\(name)\(when)\(text)"
        case .hypothesis:
            let id = data["id"]?.stringValue ?? "?"
            switch data["status"]?.stringValue {
            case "ruled-out": return "\(id) ruled out: \(Display.firstLine(entry.text))"
            case "confirmed": return "\(id) confirmed: \(Display.firstLine(entry.text))"
            default: return "\(id): \(Display.firstLine(entry.text))"
            }
        case .action:
            let id = data["id"]?.stringValue ?? "?"
            if data["status"]?.stringValue == "done" { return "\(id) done" }
            // An edit's text names the item already (`A1: owner none → maya`).
            if entry.text.hasPrefix("\(id):") { return Display.firstLine(entry.text) }
            let owner = data["owner"]?.stringValue.map { " (\($0))" } ?? ""
            return "\(id): \(Display.firstLine(entry.text))\(owner)"
        case .probe:
            let kind = data["probe"]?.stringValue ?? "?"
            let metrics = (data["metrics"]?.objectValue ?? [:]).members.prefix(4).map { "\($0.key)=\(format($0.value, metric: $0.key))" }
            return "probe \(kind)" + (metrics.isEmpty ? "" : ": " + metrics.joined(separator: " "))
        case .command:
            return entry.input ?? data["command"]?.stringValue ?? ""
        case .shell:
            let code = data["exit_code"]?.intValue.map { "exit \($0)" } ?? "timed out"
            return "!\(data["command"]?.stringValue ?? "") (\(code))"
        case .amend:
            return "amends #\(data["target"]?.intValue ?? 0): \(Display.firstLine(entry.text))"
        case .retract:
            return "retracts #\(data["target"]?.intValue ?? 0): \(Display.firstLine(entry.text))"
        case .error:
            return "\(entry.input.map { Display.firstLine($0, limit: 40) + " → " } ?? "")\(Display.firstLine(entry.text))"
        case .statement:
            let label = data["statement"]?.stringValue?.replacingUnderscores ?? "statement"
            return "\(label): \(Display.firstLine(entry.text))"
        default:
            return Display.firstLine(entry.text)
        }
    }

    /// A recorded figure as a probe shows it (`MetricText`): `error_rate=10.9%`, not `0.109`.
    static func format(_ value: JSONValue, metric: String) -> String {
        if case .number(let number) = value { return MetricText.format(number, metric: metric) }
        return format(value)
    }

    static func format(_ value: JSONValue) -> String {
        switch value {
        case .number(let number):
            if number.rounded() == number, abs(number) < 1e12 { return String(Int64(number)) }
            return String(format3: number)
        case .string(let text): return text
        default: return value.serialized()
        }
    }
}

extension String {
    /// `root_cause` → `root cause`.
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }

    /// A number with up to three significant decimals, without trailing zeros.
    init(format3 value: Double) {
        let scaled = (value * 1000).rounded() / 1000
        var text = String(scaled)
        if text.contains("e") { text = String(value) }
        self = text
    }
}
