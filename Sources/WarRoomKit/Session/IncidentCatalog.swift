#if canImport(Glibc)
import Glibc
#endif

/// The incidents in a transcripts folder, for `warroom list`.
public enum IncidentCatalog {
    /// One incident's row.
    public struct Row: Sendable, Equatable {
        public var id: String
        public var title: String
        public var severity: String
        /// `open (pid N)`, `paused`, `closed`, or `interrupted` (no pause or close, and no writer).
        public var status: String
        public var start: Instant
        public var durationMilliseconds: Int64
        public var file: String
    }

    /// Reads every `*.jsonl` transcript in `folder` (not its subfolders), newest first.
    /// - Throws: `TranscriptError.folderMissing`.
    public static func list(folder: String) throws -> [Row] {
        guard let directory = opendir(folder) else { throw TranscriptError.folderMissing(path: folder) }
        defer { closedir(directory) }
        var names: [String] = []
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name.hasSuffix(".jsonl") { names.append(name) }
        }
        var rows: [Row] = []
        for name in names {
            let path = "\(folder)/\(name)"
            // Only files: reading a FIFO someone named `x.jsonl` would wait for ever.
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            guard let state = fold(path) else { continue }
            rows.append(row(state: state, file: path) {
                TranscriptLock.isHeld(path) ? TranscriptLock.notedHolder(of: path).map { "open (pid \($0))" } ?? "open" : "interrupted"
            })
        }
        return rows.sorted { $0.start > $1.start || ($0.start == $1.start && $0.id < $1.id) }
    }

    /// One incident's row, folded from its entries.
    /// - Parameters:
    ///   - entries: the transcript's entries.
    ///   - file: where it is kept.
    ///   - openStatus: what to call an incident that is neither paused nor closed.
    public static func row(entries: [TranscriptEntry], file: String, openStatus: () -> String) -> Row {
        row(state: IncidentState(entries: entries), file: file, openStatus: openStatus)
    }

    /// A transcript's state, read a chunk at a time, its entries' words left unmade but the
    /// `open` entry's (a row shows its title); nil when it is no transcript (skipped).
    static func fold(_ path: String) -> IncidentState? {
        var state = IncidentState()
        guard let read = try? TranscriptStream.read(path: path, verify: false, lenient: true, requiringOpen: true, skipsText: { $0 != .open },
                                                    fold: { state.apply($0) }), read.entryCount > 0 else { return nil }
        return state
    }

    static func row(state: IncidentState, file: String, openStatus: () -> String) -> Row {
        let status = state.status == .open ? openStatus() : state.status.rawValue
        let end = state.closedAt ?? state.lastAt
        return Row(id: state.id, title: state.title, severity: state.severity, status: status, start: state.openedAt,
                   durationMilliseconds: end - state.openedAt, file: file)
    }

    /// An aligned table of rows.
    public static func render(_ rows: [Row]) -> String {
        var table = [["ID", "TITLE", "SEVERITY", "STATUS", "START (UTC)", "DURATION"]]
        for row in rows {
            table.append([row.id, Display.firstLine(row.title, limit: 48), row.severity, row.status,
                          row.start.iso8601Seconds,
                          // A close dated before the open (clocks that disagree) has no length to show.
                          row.durationMilliseconds < 0 ? "? (ends before it starts)" : DurationText.format(milliseconds: row.durationMilliseconds)])
        }
        return Display.table(table)
    }
}
