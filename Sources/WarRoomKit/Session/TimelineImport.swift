#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `warroom import FILE`: an incident worked elsewhere (a chat channel, a call) written up
/// from its timeline — CSV with a header row, or JSON Lines — each row `(time, who, kind,
/// text)` recorded as the typed entry it stands for, at its own time.
///
/// The whole file is read and checked first (every row's time, author and kind, and that the
/// rows run in time order); nothing is written unless it all holds. Then the incident opens
/// at the first row's time, on a still virtual clock, and each row is handled as its author
/// would type it once the clock reached its time (`hypothesis …`, `mark detected …`): the
/// shell's own rules apply, and a row a rule refuses stops the import with its line.
public enum TimelineImport {
    /// One row of the timeline.
    public struct Row: Sendable, Equatable {
        /// 1-based line in the file (where the row starts).
        public var line: Int
        public var time: Instant
        public var who: String
        public var kind: String
        public var text: String
    }

    /// The row kinds, each with the shell command it is typed as.
    public static let commands: [String: String] = [
        "note": "note", "update": "update", "hypothesis": "hypothesis", "hyp": "hypothesis", "rule-out": "rule-out",
        "confirm": "confirm", "escalate": "escalate", "escalation": "escalate", "action": "action", "milestone": "mark", "mark": "mark",
        "rootcause": "rootcause", "root-cause": "rootcause", "trigger": "trigger", "impact": "impact", "severity": "severity", "close": "close",
    ]

    /// Reads and checks a timeline.
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - path: the file's name, for messages.
    /// - Returns: the rows, in order.
    /// - Throws: `InputFileError` with `path:line:column` for every problem found.
    public static func parse(_ bytes: [UInt8], path: String) throws -> [Row] {
        let text = String(decoding: ByteOrderMark.stripped(bytes), as: UTF8.self)
        var diagnostics: [Diagnostic] = []
        func problem(_ line: Int, _ column: Int, _ message: String) {
            diagnostics.append(Diagnostic(file: path, line: line, column: column, message: message))
        }
        let records: [(line: Int, fields: [String: (column: Int, value: String)])]
        if path.lowercased().hasSuffix(".jsonl") || path.lowercased().hasSuffix(".ndjson") || text.first == "{" {
            records = jsonLines(text, problem: problem)
        } else {
            records = csv(text, problem: problem)
        }
        var rows: [Row] = []
        var previous: (time: Instant, line: Int)?
        for record in records {
            func field(_ name: String) -> (column: Int, value: String)? {
                guard let found = record.fields[name], !found.value.trimmed(of: " \t").isEmpty else {
                    problem(record.line, 1, "missing '\(name)': every row has time, who, kind and text")
                    return nil
                }
                return (found.column, found.value.trimmed(of: " \t"))
            }
            guard let timeField = field("time"), let who = field("who"), let kind = field("kind") else { continue }
            let text = record.fields["text"]?.value.trimmed(of: " \t") ?? ""
            guard let time = Instant.parseISO8601(timeField.value) else {
                problem(record.line, timeField.column, "'\(SafeText.printable(timeField.value))' is not a time: give an ISO-8601 instant in UTC, e.g. 2019-07-02T13:42:00Z")
                continue
            }
            if who.value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
                problem(record.line, who.column, "'\(SafeText.printable(who.value))' is not a responder's name: one word, as the shell's `as NAME` takes it")
                continue
            }
            let name = kind.value.lowercased()
            guard commands[name] != nil else {
                problem(record.line, kind.column, "unknown kind '\(SafeText.printable(kind.value))'\(Suggest.hint(for: name, in: Array(commands.keys))); kinds: \(commands.keys.sorted().joined(separator: ", "))")
                continue
            }
            if let previous, time < previous.time {
                problem(record.line, timeField.column, "\(time.iso8601Seconds) is before the row above it (line \(previous.line), \(previous.time.iso8601Seconds)): rows run in time order")
                continue
            }
            previous = (time, record.line)
            rows.append(Row(line: record.line, time: time, who: who.value, kind: name, text: text))
        }
        if rows.isEmpty, diagnostics.isEmpty { problem(1, 1, "no rows: a header line 'time,who,kind,text' and one row per event (or one JSON object per line)") }
        guard diagnostics.isEmpty else { throw InputFileError(diagnostics) }
        return rows
    }

    /// Records the rows as a new incident that opens at the first row's time.
    /// - Parameters:
    ///   - rows: the checked rows.
    ///   - options: where the transcript goes, its title and severity (`from` is set here).
    ///   - path: the file's name, for messages.
    ///   - source: real time (the write-up's `wall`).
    /// - Returns: the transcript's location and how many rows were recorded.
    /// - Throws: `InputFileError` for the row a shell rule refused (the new transcript is
    ///   then removed: nothing is left half imported), or what `start` throws.
    public static func record(_ rows: [Row], options: StartOptions, path: String, source: TimeSource) throws -> (location: String, count: Int) {
        guard let first = rows.first else { return ("", 0) }
        var options = options
        options.from = first.time
        let (session, _) = try Session.start(options, source: source)
        let location = session.path
        do {
            for row in rows {
                try Session.checkResponder(row.who)
                session.responder = row.who
                if row.time > session.clock.now {
                    try session.clock.advance(by: row.time - session.clock.now)
                    session.automation.caughtUpTo = session.clock.now
                }
                let line = "\(commands[row.kind] ?? row.kind) \(row.text)"
                let reply = session.handle(line)
                if let error = reply.error {
                    throw InputFileError([Diagnostic(file: path, line: row.line, column: 1, message: "the row was refused: \(error)")])
                }
                if reply.exit { break }
            }
        } catch {
            session.store.close()
            if !session.store.isShared { _ = unlink(location) }
            throw error
        }
        session.pauseIfOpen(reason: "imported from \(path)")
        return (location, rows.count)
    }

    // MARK: - Formats

    /// CSV (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) with a header
    /// row naming the columns; `time`, `who`, `kind` and `text` are read, others ignored.
    static func csv(_ text: String, problem: (Int, Int, String) -> Void) -> [(line: Int, fields: [String: (column: Int, value: String)])] {
        var records: [(line: Int, cells: [(column: Int, value: String)])] = []
        var cells: [(column: Int, value: String)] = []
        var cell = ""
        var cellColumn = 1
        var quoted = false
        var line = 1
        var column = 0
        var recordLine = 1
        var atCellStart = true
        var characters = Array(text).makeIterator()
        var pending: Character? = characters.next()
        func endCell() {
            cells.append((cellColumn, cell))
            cell = ""
            atCellStart = true
        }
        func endRecord() {
            endCell()
            if !(cells.count == 1 && cells[0].value.isEmpty) { records.append((recordLine, cells)) }
            cells = []
        }
        while let character = pending {
            pending = characters.next()
            column += 1
            if atCellStart { cellColumn = column; atCellStart = false }
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        cell.append("\"")
                        pending = characters.next()
                        column += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1; column = 0 }
                    cell.append(character)
                }
                continue
            }
            switch character {
            case "\"" where cell.isEmpty:
                quoted = true
            case ",":
                endCell()
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                column = 0
                recordLine = line
            default:
                cell.append(character)
            }
        }
        if quoted { problem(recordLine, cellColumn, "a quoted field is not closed") }
        if !cell.isEmpty || !cells.isEmpty { endRecord() }
        guard let header = records.first else { return [] }
        let names = header.cells.map { $0.value.trimmed(of: " \t").lowercased() }
        for required in ["time", "who", "kind", "text"] where !names.contains(required) {
            problem(header.line, 1, "the header row has no '\(required)' column: it names the columns, e.g. 'time,who,kind,text'")
        }
        return records.dropFirst().map { record in
            var fields: [String: (column: Int, value: String)] = [:]
            for (index, cell) in record.cells.enumerated() where index < names.count { fields[names[index]] = cell }
            return (record.line, fields)
        }
    }

    /// JSON Lines: one object per line with string fields `time`, `who`, `kind`, `text`.
    static func jsonLines(_ text: String, problem: (Int, Int, String) -> Void) -> [(line: Int, fields: [String: (column: Int, value: String)])] {
        var records: [(line: Int, fields: [String: (column: Int, value: String)])] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw).trimmed(of: " \t\r")
            guard !line.isEmpty else { continue }
            guard case .object(let object)? = try? JSONValue.parse(Array(line.utf8)) else {
                problem(index + 1, 1, "not a JSON object: one object per line with time, who, kind and text")
                continue
            }
            var fields: [String: (column: Int, value: String)] = [:]
            for name in ["time", "who", "kind", "text"] {
                if let value = object[name] {
                    guard let string = value.stringValue else {
                        problem(index + 1, 1, "'\(name)' is not a string")
                        continue
                    }
                    fields[name] = (1, string)
                }
            }
            records.append((index + 1, fields))
        }
        return records
    }
}
