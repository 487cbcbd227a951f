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
            if let row = rowFromEnds(path) {
                rows.append(row)
                continue
            }
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

    /// How much of a transcript's start and end `rowFromEnds` reads.
    static let endLength = 1 << 16

    /// A paused or closed incident's row from its first and last lines alone, as folding every
    /// line gives it for a transcript as warroom wrote it: the `open` entry says the id, title
    /// and start; the last `pause` or `close` (after it only the close's notifications and
    /// their deliveries, which change none of these) says the severity and the latest time on
    /// record before it (`data.state`). `list` does not verify: a transcript edited in its
    /// middle is listed as its ends say (`verify` is what finds the edit).
    /// - Returns: nil when the ends do not say it all (an open or interrupted incident, a
    ///   transcript written before pauses and closes said how it stood, a torn or undecodable
    ///   last line, a first or last line longer than `endLength`): then every line is folded.
    static func rowFromEnds(_ path: String) -> Row? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        func read(at offset: Int, count: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                if got < 0, errno == EINTR { continue }
                guard got > 0 else { return nil }
                done += got
            }
            return bytes
        }
        func entry(_ bytes: ArraySlice<UInt8>, number: Int, words: Bool) -> TranscriptEntry? {
            bytes.withUnsafeBufferPointer { try? TranscriptEntry.decode(buffer: $0, number: number, skipsText: { _ in !words }) }
        }
        // The first line, after a byte-order mark.
        guard let head = read(at: 0, count: min(size, endLength)) else { return nil }
        let first = head.withUnsafeBufferPointer { ByteOrderMark.length(of: $0) }
        guard let headEnd = head[first...].firstIndex(of: 0x0A), let open = entry(head[first..<headEnd], number: 1, words: true), open.kind == .open else { return nil }
        // The last lines, back to the pause or close.
        let tailStart = max(0, size - endLength)
        guard let tail = read(at: tailStart, count: size - tailStart), tail.last == 0x0A else { return nil }
        var end = tail.count - 1
        var latest: Instant?
        while end > 0 {
            // A line with no newline before it in the window is cut, or is the first.
            guard let previous = tail[..<end].lastIndex(of: 0x0A), let last = entry(tail[(previous + 1)..<end], number: 0, words: false) else { return nil }
            switch last.kind {
            case .notify, .delivery:
                latest = max(latest ?? last.at, last.at)
                end = previous
                continue
            case .pause, .close:
                guard let standing = last.data["state"]?.objectValue, let severity = standing["severity"]?.stringValue,
                    let lastAt = standing["last_at"]?.stringValue.flatMap(Instant.parseISO8601) else { return nil }
                let finish = last.kind == .close ? last.at : max(lastAt, last.at, latest ?? last.at)
                return Row(id: open.data["incident"]?.stringValue ?? "", title: open.data["title"]?.stringValue ?? open.text, severity: severity,
                           status: last.kind == .close ? IncidentStatus.closed.rawValue : IncidentStatus.paused.rawValue, start: open.at,
                           durationMilliseconds: finish - open.at, file: path)
            default:
                return nil
            }
        }
        return nil
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
