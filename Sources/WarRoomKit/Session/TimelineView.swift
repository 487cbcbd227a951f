#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        var rows = Rows(last: last)
        for entry in entries where isShown(entry) { rows.add(entry) }
        return rows.render(state: state)
    }

    /// The rows of a timeline as its entries are read, each kept as the little it shows (not
    /// the entry), and only the last N when that is all that is asked: `warroom timeline`
    /// folds a transcript into these as it streams it, and renders them once the state is whole
    /// (an amendment changes a row above it).
    public struct Rows {
        /// One row, made from its entry alone (`row(_:)`).
        public struct Row: Sendable {
            var at: Instant
            var seq: Int
            /// Sanitized, and its width on a terminal.
            var author: String
            var authorWidth: Int
            var kind: EntryKind
            /// The summary, and the row's text as shown when nothing amends or retracts it.
            var summary: String
            var text: String
        }

        private var rows: [Row] = []
        private let last: Int?

        /// - Parameter last: keep only the last N rows.
        public init(last: Int? = nil) {
            self.last = last
        }

        /// Adds an entry the reader may see; read-only `command` entries are left out.
        public mutating func add(_ entry: TranscriptEntry) {
            guard let row = Self.row(entry) else { return }
            rows.append(row)
            // Dropped in batches, so keeping the last N costs no more than appending.
            if let last, rows.count >= 2 * max(last, 512) { rows.removeFirst(rows.count - last) }
        }

        /// A transcript longer than this is printed by `warroom timeline` in two passes over the
        /// file, the first working out the state and the columns' widths, the second writing
        /// each row as its entry is read again, so no row is held; a shorter one keeps its rows
        /// (each the little it shows) and reads the file once.
        public static let heldTranscriptBytes = 64 << 20

        /// Whether `warroom timeline` reads the transcript at `path` twice rather than hold its
        /// rows (`heldTranscriptBytes`).
        public static func readsTwice(_ path: String) -> Bool {
            TranscriptStream.fileSize(path) > heldTranscriptBytes
        }

        /// `write(fd:path:facilitator:emit:)` of the transcript at `path`.
        /// - Throws: `TranscriptError` (unreadable, not a transcript).
        public static func write(path: String, facilitator: Bool, emit: @escaping ([UInt8]) -> Void) throws -> TranscriptStream.Outcome {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw TranscriptError.unreadable(path: path, reason: errorText(errno)) }
            defer { close(fd) }
            return try write(fd: fd, path: path, facilitator: facilitator, emit: emit)
        }

        /// Writes a transcript's timeline as `warroom timeline` prints it, in two passes over the
        /// file and holding no row: the first folds the state and works out the columns' widths,
        /// the second writes each row as its entry is read again. Entries appended between the
        /// passes (a live incident) are left to the next reading.
        /// - Parameters:
        ///   - fd: open at the file's start; read twice (it is sought back to the start).
        ///   - path: for messages.
        ///   - facilitator: show a drill facilitator's private entries too.
        ///   - emit: given the text in pieces of about 64 KiB, each ending with a whole row
        ///     (`(no entries)` when no row is shown); no final newline.
        /// - Returns: the first pass's outcome (bad lines, a torn last line).
        /// - Throws: `TranscriptError` (unreadable, not a transcript).
        static func write(fd: Int32, path: String, facilitator: Bool, emit: @escaping ([UInt8]) -> Void) throws -> TranscriptStream.Outcome {
            var state = IncidentState()
            var widths = Widths()
            var undone = false
            let read = try TranscriptStream.read(fd: fd, path: path, verify: false, lenient: true,
                                                 skipsText: { !undone && ($0 == .command || $0 == .probe) }) { entry in
                if state.entryCount == 0, entry.kind != .open {
                    throw TranscriptError.notATranscript(path: path, reason: "the first entry is '\(entry.kind.rawValue)', not 'open'")
                }
                state.apply(entry)
                undone = !state.leftUndone.isEmpty
                if entry.isVisible(to: nil, facilitator: facilitator) { widths.add(entry) }
            }
            guard read.entryCount > 0 else {
                throw TranscriptError.notATranscript(path: path, reason: read.byteCount == 0 ? "the file is empty" : "it holds no complete entry")
            }
            var writer = Writer(widths: widths, state: state, emit: emit)
            var folded = 0
            do {
                guard lseek(fd, 0, SEEK_SET) == 0 else { throw TranscriptError.unreadable(path: path, reason: errorText(errno)) }
                // A row's words are its entry's; a probe's row is its figures, and commands have none.
                _ = try TranscriptStream.read(fd: fd, path: path, verify: false, lenient: true, skipsText: { $0 == .command || $0 == .probe }) { entry in
                    folded += 1
                    guard folded <= read.entryCount else { throw SecondPassDone() }
                    if entry.isVisible(to: nil, facilitator: facilitator), let row = row(entry) { writer.write(row) }
                }
            } catch is SecondPassDone {
            } catch {
                // The rows written so far stay written, ended by a newline, and the error is said.
                writer.flush()
                emit([0x0A])
                throw error
            }
            writer.finish()
            return read
        }

        /// Ends the second pass at the entries the first one folded.
        private struct SecondPassDone: Error {}

        /// The rows, one per line, with amendments and retractions as `state` has them.
        /// - Parameter state: the fold of the whole transcript.
        public func render(state: IncidentState) -> String {
            String(decoding: renderBytes(state: state), as: UTF8.self)
        }

        /// `render(state:)` as UTF-8, written straight into one buffer.
        public func renderBytes(state: IncidentState) -> [UInt8] {
            var whole: [UInt8] = []
            renderBytes(state: state) { whole += $0 }
            return whole
        }

        /// The row of an entry; nil for a read-only `command`, which has none.
        public static func row(_ entry: TranscriptEntry) -> Row? {
            guard entry.kind != .command else { return nil }
            let author = Display.sanitize(entry.author)
            let summary = TimelineView.summary(entry)
            return Row(at: entry.at, seq: entry.seq, author: author, authorWidth: Display.width(author), kind: entry.kind, summary: summary,
                       text: Display.sanitize(summary))
        }

        /// `render(state:)` as UTF-8, handed on in pieces of about 64 KiB, each ending with a
        /// whole row: a long incident's timeline is never held whole as text.
        public func renderBytes(state: IncidentState, into emit: ([UInt8]) -> Void) {
            var shown = rows[...]
            if let last, shown.count > last { shown = shown.suffix(last) }
            var widths = Widths()
            for row in shown { widths.add(row) }
            withoutActuallyEscaping(emit) { emit in
                var writer = Writer(widths: widths, state: state, emit: emit)
                for row in shown { writer.write(row) }
                writer.finish()
            }
        }

        /// The widths of a timeline's first four columns (a time is always nine wide), taken
        /// over every row shown.
        public struct Widths: Sendable {
            var seq = 0, author = 0, kind = 0

            public init() {}

            public mutating func add(_ row: Row) {
                add(seq: row.seq, authorWidth: row.authorWidth, kind: row.kind)
            }

            /// Takes the entry's row into account without making its words: what a first pass
            /// over a long transcript does (`Writer`).
            public mutating func add(_ entry: TranscriptEntry) {
                guard entry.kind != .command else { return }
                add(seq: entry.seq, authorWidth: Display.width(Display.sanitize(entry.author)), kind: entry.kind)
            }

            private mutating func add(seq rowSeq: Int, authorWidth: Int, kind rowKind: EntryKind) {
                seq = max(seq, Rows.digits(rowSeq) + 1)
                author = max(author, authorWidth)
                kind = max(kind, rowKind.rawValue.utf8.count)
            }
        }

        /// Writes rows one at a time with columns of known widths, handing the text on in
        /// pieces of about 64 KiB, each ending with a whole row: what lets `warroom timeline`
        /// print a long transcript's rows on a second pass over it, holding none of them.
        public struct Writer: ~Copyable {
            private let widths: Widths
            private let state: IncidentState
            private let corrected: Bool
            private let emit: ([UInt8]) -> Void
            private var output: [UInt8] = []
            private var first = true

            /// - Parameters:
            ///   - widths: over every row that will be written.
            ///   - state: the fold of the whole transcript (amendments and retractions).
            ///   - emit: given each piece.
            public init(widths: Widths, state: IncidentState, emit: @escaping ([UInt8]) -> Void) {
                self.widths = widths
                self.state = state
                corrected = !state.amendments.isEmpty || !state.retractions.isEmpty
                self.emit = emit
            }

            public mutating func write(_ row: Row) {
                if !first { output.append(0x0A) }
                first = false
                if output.count >= TextPieces.pieceSize {
                    emit(output)
                    output.removeAll(keepingCapacity: true)
                }
                row.at.writeClockSeconds(to: &output)
                output.append(contentsOf: [0x20, 0x20, UInt8(ascii: "#")])
                Rows.write(row.seq, to: &output)
                pad(widths.seq - Rows.digits(row.seq) - 1 + 2)
                output.append(contentsOf: row.author.utf8)
                pad(widths.author - row.authorWidth + 2)
                output.append(contentsOf: row.kind.rawValue.utf8)
                pad(widths.kind - row.kind.rawValue.utf8.count + 2)
                output.append(contentsOf: (corrected ? TimelineView.text(of: row.seq, summary: row.summary, state: state) : row.text).utf8)
            }

            /// Hands on the last piece; `(no entries)` when no row was written.
            public consuming func finish() {
                emit(first ? Array("(no entries)".utf8) : output)
            }

            /// Hands on what is written and not yet handed on, if anything (a pass cut short).
            consuming func flush() {
                if !output.isEmpty { emit(output) }
            }

            private mutating func pad(_ count: Int) {
                for _ in 0..<max(0, count) { output.append(0x20) }
            }
        }

        static func digits(_ value: Int) -> Int {
            var count = 1
            var rest = value.magnitude / 10
            while rest > 0 {
                count += 1
                rest /= 10
            }
            return value < 0 ? count + 1 : count
        }

        static func write(_ value: Int, to output: inout [UInt8]) {
            if value < 0 { output.append(UInt8(ascii: "-")) }
            var digits: [UInt8] = []
            var rest = value.magnitude
            repeat {
                digits.append(UInt8(48 + rest % 10))
                rest /= 10
            } while rest > 0
            output.append(contentsOf: digits.reversed())
        }
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
        [entry.at.clockSeconds, "#\(entry.seq)", Display.sanitize(entry.author), entry.kind.rawValue, text(of: entry.seq, summary: summary(entry), state: state)]
    }

    /// What a row says of entry `seq`: its summary, or its correction, and its retraction.
    static func text(of seq: Int, summary: String, state: IncidentState) -> String {
        var text = summary
        if let amended = state.amendments[seq] { text = Display.firstLine(amended) + "  [amended]" }
        if let reason = state.retractions[seq] { text += "  [retracted: \(Display.firstLine(reason, limit: 60))]" }
        return Display.sanitize(text)
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
            // Appended piece by piece: a long incident's timeline is mostly these rows.
            var summary = "probe "
            summary += data["probe"]?.stringValue ?? "?"
            for (index, member) in (data["metrics"]?.objectValue ?? [:]).members.prefix(4).enumerated() {
                summary += index == 0 ? ": " : " "
                summary += member.key
                summary += "="
                summary += format(member.value, metric: member.key)
            }
            return summary
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
