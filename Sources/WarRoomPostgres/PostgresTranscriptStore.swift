import WarRoomKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An incident's transcript in PostgreSQL: the same lines and hash chain as a JSONL file, one
/// row per entry, appended by any number of writers on any number of machines.
///
/// An append is one transaction: it locks the incident's head row (`SELECT … FOR UPDATE`),
/// checks that the head is still the one the caller decided on (else `headMoved`, nothing
/// written), inserts the lines with the next `seq`s and their previous hash, moves the head
/// and notifies the incident's channel. So `seq` is gapless and there is one chain however
/// many people type. The transaction is the schema's function `warroom.append_entries`, one
/// statement: one round trip, the head row locked only while the server works and commits,
/// and every line checked by the database (its `seq`, and its hash recomputed from the
/// previous one) before it goes in. Used from one thread at a time; open one per thread.
public final class PostgresTranscriptStore: TranscriptStore {
    /// The incident's id.
    public let incident: String
    /// The connection (for `LISTEN`, its socket, reconnecting).
    public let connection: PostgresConnection
    /// This shell's id in the room, once it entered (kept across reconnections).
    public internal(set) var shell: Int?
    /// How many times the room's write lock is held by this connection (0: not held).
    var writeLockDepth = 0
    /// The incident as `requireIntact` read and verified it, for the `entries(after: 0)` that
    /// follows (an `export` reads every row once).
    var verifiedEntries: [TranscriptEntry]?
    /// Rows decoded at a time while the chain is checked: what is held of the decoded record
    /// (tests make it small, to check a short incident in several slices).
    var rowsPerSlice = 8_192
    /// When set, the next append is committed and its answer lost (the connection drops right
    /// after the server answered, as a restart or the network can do), and this runs before
    /// the store asks again (another writer appending meanwhile): for tests of exactly-once.
    public var loseNextAcknowledgement: (() -> Void)?

    private init(incident: String, connection: PostgresConnection) {
        self.incident = incident
        self.connection = connection
    }

    /// Connects and opens an incident that is in the store.
    /// - Parameters:
    ///   - url: the database.
    ///   - incident: the incident's id.
    ///   - readOnly: make every transaction read-only (the read-side commands).
    /// - Throws: `PostgresStoreError` (`connectFailed`, a schema problem, `incidentMissing`).
    public static func open(url: ConnectionString, incident: String, readOnly: Bool = false) throws -> PostgresTranscriptStore {
        let connection = try PostgresConnection(url: url)
        if readOnly { try connection.makeReadOnly() }
        try PostgresSchema.check(connection)
        let store = PostgresTranscriptStore(incident: incident, connection: connection)
        _ = try store.storedHead()
        return store
    }

    /// Connects and records a new incident with its `open` entry, in one transaction
    /// (`warroom.open_incident`).
    /// - Parameters:
    ///   - url: the database.
    ///   - opening: the `open` entry; `data.incident` is the id, `data.title` the title.
    /// - Returns: the store and the entry as recorded.
    /// - Throws: `PostgresStoreError.incidentExists` when the id is taken, or what connecting
    ///   or writing throws.
    public static func create(url: ConnectionString, opening: TranscriptEntry) throws -> (PostgresTranscriptStore, TranscriptEntry) {
        let connection = try PostgresConnection(url: url)
        try PostgresSchema.check(connection)
        let id = opening.data["incident"]?.stringValue ?? ""
        let title = opening.data["title"]?.stringValue ?? opening.text
        let store = PostgresTranscriptStore(incident: id, connection: connection)
        let (entry, line) = opening.chained(seq: 1, after: HashChain.genesis)
        let created = try connection.execute("SELECT warroom.open_incident($1, $2, $3)",
                                             [id, title, String(decoding: line.dropLast(), as: UTF8.self)])
        guard created.string(0, 0) == "t" else { throw PostgresStoreError.incidentExists(target: connection.target, id: id) }
        return (store, entry)
    }

    /// The channel an incident's appends are notified on (a channel name is at most 63 bytes;
    /// two ids that share their first 55 characters share a channel, which only costs a
    /// watcher a fetch that finds nothing).
    public static func channel(for incident: String) -> String {
        "warroom:" + String(decoding: incident.utf8.prefix(55), as: UTF8.self)
    }

    // MARK: - TranscriptStore

    public var location: String { "incident \(incident) in the store \(connection.target)" }

    public func head() throws -> TranscriptHead {
        try unreachableAsTranscriptError { try reading { try storedHead() } }
    }

    /// An append whose acknowledgement is lost (the connection breaks during COMMIT) is
    /// resolved by its command id: once reconnected, the same call is made again, and the
    /// database either returns the entries it recorded the first time or records them now.
    /// Without an id the head is compared instead (a chain that another writer's entries
    /// continued cannot be told apart: appends by a shell always carry an id).
    @discardableResult
    public func append(_ drafts: [TranscriptEntry], after expected: TranscriptHead, command: CommandID?) throws -> [TranscriptEntry] {
        try reconnectIfNeeded()
        if drafts.isEmpty {
            let current = try head()
            guard current == expected else { throw TranscriptError.headMoved(path: location, expected: expected.seq, found: current.seq) }
            return []
        }
        do {
            return try insert(drafts, after: expected, command: command)
        } catch let error as TranscriptError {
            throw error
        } catch PostgresStoreError.connectionLost(_, let message) {
            // The connection broke, maybe during COMMIT: whether the entries went in is not
            // known until the database answers again.
            do {
                try reconnectPatiently()
            } catch {
                throw Self.lostInFlight(location, message, command)
            }
            do {
                if let command { return try insert(drafts, after: expected, command: command) }
                if let written = try resolve(drafts, after: expected) { return written }
                return try insert(drafts, after: expected, command: nil)
            } catch let error as TranscriptError {
                throw error
            } catch let error as PostgresStoreError {
                if error.isUnreachable { throw Self.lostInFlight(location, error.unreachableReason, command) }
                throw transcriptError(error)
            }
        } catch let error as PostgresStoreError {
            throw transcriptError(error)
        }
    }

    /// An append whose outcome is not known: `inDoubt` with the command id (the shell asks
    /// again by it once the store is back), `unreachable` without one.
    static func lostInFlight(_ location: String, _ reason: String, _ command: CommandID?) -> TranscriptError {
        guard let command else { return .unreachable(path: location, reason: "\(reason); not known whether it was recorded") }
        return .inDoubt(path: location, reason: reason, command: command)
    }

    /// Seconds on a clock that never goes back.
    private func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The entries a command recorded, by its id (empty when it recorded none).
    /// - Throws: `TranscriptError.unreachable`, or the store's error.
    public func entries(command: CommandID) throws -> [TranscriptEntry] {
        try unreachableAsTranscriptError {
            try reading {
                let rows = try connection.execute("SELECT min(seq), max(seq) FROM warroom.entries WHERE incident = $1 AND command_id = $2",
                                                  [incident, command.value])
                guard rows.count == 1, let first = rows.int(0, 0), let last = rows.int(0, 1) else { return [] }
                return try fetchEntries(after: first - 1).filter { $0.seq <= last }
            }
        }
    }

    public func entries(after seq: Int) throws -> [TranscriptEntry] {
        // The whole incident, just read and verified by `requireIntact`: those rows, and what
        // was appended since, rather than every row a second time.
        if seq == 0, let verified = verifiedEntries {
            verifiedEntries = nil
            let tail = try unreachableAsTranscriptError { try reading { try fetchEntries(after: verified.last?.seq ?? 0) } }
            return verified + tail
        }
        return try unreachableAsTranscriptError { try reading { try fetchEntries(after: seq) } }
    }

    private func fetchEntries(after seq: Int) throws -> [TranscriptEntry] {
        let rows = try connection.execute("SELECT seq, line, login FROM warroom.entries WHERE incident = $1 AND seq > $2 ORDER BY seq",
                                          [incident, String(seq)])
        // The lines joined as a file holds them, and decoded in slices side by side (a join of
        // a long incident fetches every entry).
        var bytes: [UInt8] = []
        var seqs: [Int] = []
        seqs.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            seqs.append(rows.int(row, 0) ?? 0)
            rows.appendBytes(row, 1, to: &bytes)
            bytes.append(0x0A)
        }
        let (entries, errors) = TranscriptLog.decodeLines(bytes)
        if let error = errors.first {
            let seq = seqs[min(seqs.count - 1, error.line - 1)]
            throw PostgresStoreError.corrupt(target: connection.target, id: incident, seq: seq, reason: "not a transcript entry (\(error.reason))")
        }
        // Each row's line holds the entry with the row's seq (a row holding a raw newline would
        // read as two lines): say which row does not, rather than misnumber what follows.
        for (index, rowSeq) in seqs.enumerated() where index >= entries.count || entries[index].seq != rowSeq {
            throw PostgresStoreError.corrupt(target: connection.target, id: incident, seq: rowSeq, reason: "its line does not hold the entry with that seq")
        }
        if entries.count > seqs.count {
            throw PostgresStoreError.corrupt(target: connection.target, id: incident, seq: seqs.last ?? seq, reason: "a line holds more than one entry")
        }
        var attributed = entries
        for index in attributed.indices { attributed[index].login = rows.string(index, 2) }
        return attributed
    }

    public func close() {
        connection.close()
    }

    // MARK: - Reading the record

    /// The incident's transcript as a JSONL file holds it: every stored line with its newline,
    /// in `seq` order, byte for byte.
    /// - Throws: `PostgresStoreError`.
    public func transcriptBytes() throws -> [UInt8] {
        try unreachableAsTranscriptError { try reading { try fetchBytes() } }
    }

    private func fetchBytes() throws -> [UInt8] {
        let rows = try connection.execute("SELECT line FROM warroom.entries WHERE incident = $1 ORDER BY seq", [incident])
        var bytes: [UInt8] = []
        for row in 0..<rows.count {
            rows.appendBytes(row, 0, to: &bytes)
            bytes.append(0x0A)
        }
        return bytes
    }

    /// Checks the chain from the stored bytes, and that the rows agree with their lines: the
    /// `seq` and `hash` columns with the line's own, and the head row with the last entry.
    /// Catches a row edited by someone who bypassed the trigger (the table's owner or a
    /// superuser), since the line's hash no longer chains.
    /// - Returns: the chain's report, with the first disagreement as its problem.
    /// - Throws: `PostgresStoreError` when the store cannot be read.
    public func verify() throws -> VerifyReport {
        // One snapshot: the rows and the head row as of the same moment, while others append.
        var nothing: [TranscriptEntry]?
        return try reading { try connection.snapshot { try check(keeping: &nothing, folding: nil) } }
    }

    /// Refuses an incident whose record fails verification: `join` adds nothing to it, `watch`
    /// does not follow it, `export` does not copy it unless told to.
    /// - Parameter what: the command, for the message (`join refuses …`).
    /// - Throws: `PostgresStoreError.corrupt` naming the first bad seq; what `verify` throws.
    /// - Parameter fold: when given, gets each entry as it is verified, in order (with its row's
    ///   login), and nothing is kept: a `join` folds what it needs as the rows are read.
    ///   Without it, the entries are kept for the `entries(after: 0)` that follows.
    public func requireIntact(_ what: String, folding fold: ((TranscriptEntry) -> Void)? = nil) throws {
        var decoded: [TranscriptEntry]? = fold == nil ? [] : nil
        let report = try reading { try connection.snapshot { try check(keeping: &decoded, folding: fold) } }
        guard let problem = report.problem else {
            if let decoded, decoded.count == report.goodEntries { verifiedEntries = decoded }
            return
        }
        throw PostgresStoreError.corrupt(target: connection.target, id: incident, seq: problem.seq,
                                         reason: "fails verification (\(problem.reason)): the record was changed after it was written, and \(what)")
    }

    /// - Parameters:
    ///   - decoded: when not `nil`, gets the entries, each as its line decodes (with the row's
    ///     login), for a caller that reads the incident right after (`requireIntact`, then
    ///     `join`).
    ///   - fold: when given, gets each entry as its row is checked, in order, with the row's
    ///     login; on a problem the caller throws away what it folded.
    ///
    /// The lines are decoded a slice of rows at a time while the chain is checked on another
    /// core, so that only a slice of decoded entries is held (`verify` keeps none, a `join`
    /// what it folds). The chain's problem comes first, then a row holding a raw newline, then
    /// the first row that disagrees with its line, as when every line was decoded first.
    private func check(keeping decoded: inout [TranscriptEntry]?, folding fold: ((TranscriptEntry) -> Void)?) throws -> VerifyReport {
        // `at` as milliseconds since 1970, the fraction cut as a line's time is read (`floor`;
        // NULL for an infinite time): compared with the line's time as a number, where a
        // formatted time would be a string made on each side for every row.
        let rows = try connection.execute(
            "SELECT seq, hash, previous_hash, line, CASE WHEN isfinite(at) THEN floor(extract(epoch FROM at) * 1000)::bigint END, by, kind, login FROM warroom.entries WHERE incident = $1 ORDER BY seq",
            [incident])
        var bytes: [UInt8] = []
        bytes.reserveCapacity((0..<rows.count).reduce(rows.count) { $0 + rows.length($1, 3) })
        var ends: [Int] = []
        ends.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            rows.appendBytes(row, 3, to: &bytes)
            bytes.append(0x0A)
            ends.append(bytes.count)
        }
        // The chain is checked on one core while the lines are decoded, a slice at a time.
        let verifying = BackgroundVerification(bytes: bytes)
        let keeping = decoded != nil
        var kept: [TranscriptEntry] = []
        var rowProblem: VerifyProblem?
        var previous = Array(HashChain.genesis.utf8)
        var sliceStart = 0
        rowsChecked: while sliceStart < rows.count {
            let sliceEnd = min(rows.count, sliceStart + max(1, rowsPerSlice))
            let firstByte = sliceStart == 0 ? 0 : ends[sliceStart - 1]
            var (entries, errors) = TranscriptLog.decodeLines(Array(bytes[firstByte..<ends[sliceEnd - 1]]))
            let undecoded = Set(errors.map { sliceStart + $0.line })
            var nextEntry = 0
            for row in sliceStart..<sliceEnd {
                let seq = rows.int(row, 0) ?? 0
                // Every line ends in its `"hash":"…"}` member once the chain checks; until it
                // has, a line too short to hold one is a problem the chain's report will name.
                let lineStart = row == 0 ? 0 : ends[row - 1]
                let lineEnd = ends[row] - 1
                guard lineEnd - 66 >= lineStart else {
                    rowProblem = VerifyProblem(line: row + 1, seq: row + 1, reason: "the row's line is too short to hold an entry")
                    break rowsChecked
                }
                let lineHash = bytes[(lineEnd - 66)..<(lineEnd - 2)]
                var reason: String?
                if seq != row + 1 {
                    reason = "the row's seq is \(seq) where \(row + 1) was expected"
                } else if !rows.bytes(row, 1, equal: lineHash) {
                    let hash = rows.string(row, 1) ?? ""
                    reason = "the row's hash column (\(hash.prefix(12))…) differs from its line's hash (\(String(decoding: lineHash.prefix(12), as: UTF8.self))…): the row was edited"
                } else if !rows.bytes(row, 2, equal: previous) {
                    reason = "the row's previous_hash column differs from the hash of entry \(row): the row was edited"
                } else if !undecoded.contains(row + 1), nextEntry < entries.count, entries[nextEntry].seq == row + 1 {
                    if keeping || fold != nil, let login = rows.string(row, 7) { entries[nextEntry].login = login }
                    let entry = entries[nextEntry]
                    nextEntry += 1
                    // The columns say what the line says, and the open entry names this incident.
                    if rows.int64(row, 4) != entry.at.milliseconds || !rows.bytes(row, 5, equal: entry.by.utf8)
                        || !rows.bytes(row, 6, equal: (entry.unknownKind ?? entry.kind.rawValue).utf8)
                    {
                        reason = "the row's at, by or kind column differs from its line: the row was edited"
                    } else if row == 0, entry.data["incident"]?.stringValue != incident {
                        reason = "the open entry names incident '\(entry.data["incident"]?.stringValue ?? "none")', not '\(incident)'"
                    } else if row > 0, entry.kind == .open {
                        reason = "a second open entry: an incident opens once"
                    } else {
                        fold?(entry)
                    }
                }
                if let reason {
                    rowProblem = VerifyProblem(line: row + 1, seq: row + 1, reason: reason)
                    break rowsChecked
                }
                previous = Array(lineHash)
            }
            if keeping { kept += entries }
            sliceStart = sliceEnd
        }
        var report = verifying.wait()
        decoded = nil
        guard report.isValid else { return report }
        // A row whose line holds a raw newline reads as two lines that may chain: rows and
        // lines would no longer be one for one.
        if report.goodEntries != rows.count,
           let row = (0..<rows.count).first(where: { row in bytes[(row == 0 ? 0 : ends[row - 1])..<(ends[row] - 1)].contains(0x0A) })
        {
            report.problem = VerifyProblem(line: row + 1, seq: row + 1, reason: "the row's line holds a raw newline, so it reads as two entries: the row was edited")
            report.goodEntries = row
            return report
        }
        if let rowProblem {
            report.problem = rowProblem
            report.goodEntries = rowProblem.line - 1
            return report
        }
        if keeping { decoded = kept }
        let head = try storedHead()
        if head.seq != rows.count || head.hash != report.finalHash {
            report.problem = VerifyProblem(line: rows.count + 1, seq: head.seq,
                                           reason: "the incident's head row says #\(head.seq) \(head.hash.prefix(12))… but the entries end at #\(rows.count) \(report.finalHash.prefix(12))…")
        }
        return report
    }

    // MARK: - Waiting for others

    /// Listens for appends to this incident; `waitForChange` then wakes on them.
    /// - Throws: `PostgresStoreError`.
    public func listen() throws {
        try connection.listen(Self.channel(for: incident))
    }

    /// The connection's socket, for a caller that polls it alongside the terminal.
    public var socketDescriptor: Int32 { connection.socketDescriptor }

    /// Waits until someone appends to the incident (a notification) or `seconds` pass.
    /// - Returns: whether a notification for this incident arrived.
    /// - Throws: `PostgresStoreError.connectionLost` when the connection broke.
    public func waitForChange(seconds: Double) throws -> Bool {
        let channel = Self.channel(for: incident)
        return try connection.waitForNotifications(seconds: seconds).contains { $0.channel == channel }
    }

    /// Opens a new connection (listening again if it listened), checks the schema, and
    /// enters the room again with the same shell id when this shell had entered it.
    /// - Throws: `TranscriptError.unreachable` while the server is unreachable;
    ///   `PostgresStoreError` for a schema problem.
    public func reconnect() throws {
        try unreachableAsTranscriptError {
            // A lock held by the old connection went with it.
            writeLockDepth = 0
            try connection.reconnect()
            try PostgresSchema.check(connection)
            if let shell {
                try prepareRoomConnection()
                _ = try takePresence(shell)
            }
        }
    }

    // MARK: - Writing

    /// One statement, so one round trip and its own transaction: `warroom.append_entries`
    /// locks the head row, checks it, checks and inserts the lines, moves the head, notifies.
    private func insert(_ drafts: [TranscriptEntry], after expected: TranscriptHead, command: CommandID?) throws -> [TranscriptEntry] {
        var written: [TranscriptEntry] = []
        var lines: [[UInt8]] = []
        var hash = expected.hash
        for (offset, draft) in drafts.enumerated() {
            var (entry, line) = draft.chained(seq: expected.seq + offset + 1, after: hash)
            line.removeLast()
            hash = entry.hash
            written.append(entry)
            lines.append(line)
        }
        let sql = "SELECT recorded, head_seq, head_hash, first_seq, already FROM warroom.append_command($1, $2, $3, $4, $5)"
        let parameters = [incident, String(expected.seq), expected.hash, Self.arrayLiteral(lines), command?.value]
        if let meanwhile = loseNextAcknowledgement {
            loseNextAcknowledgement = nil
            connection.executeAndLoseTheAnswer(sql, parameters)
            meanwhile()
            throw PostgresStoreError.connectionLost(target: connection.target, message: "the connection broke after the append was sent")
        }
        let result = try connection.execute(sql, parameters)
        guard result.count == 1 else { throw PostgresStoreError.incidentMissing(target: connection.target, id: incident) }
        guard result.string(0, 0) == "t" else {
            throw TranscriptError.headMoved(path: location, expected: expected.seq, found: result.int(0, 1) ?? -1)
        }
        if result.string(0, 4) == "t", let first = result.int(0, 3), let last = result.int(0, 1) {
            // Recorded by an earlier try whose acknowledgement was lost: those entries, not these.
            return try fetchEntries(after: first - 1).filter { $0.seq <= last }
        }
        return written
    }

    /// A PostgreSQL array literal of texts: each element quoted, `"` and `\` escaped.
    static func arrayLiteral(_ elements: [[UInt8]]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(elements.reduce(2) { $0 + $1.count + 16 })
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            for byte in element {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reconnects after the connection broke during an append, for as long as a database
    /// restart takes (up to 10 s, with a growing delay); past that the append is in doubt and the shell asks by its id later, so that the append can be resolved.
    private func reconnectPatiently() throws {
        var backoff = ReconnectBackoff(first: 0.05, limit: 2)
        let deadline = monotonicSeconds() + Self.resolvePatience
        while true {
            do {
                try reconnect()
                return
            } catch {
                if monotonicSeconds() >= deadline { throw error }
                backoff.pause()
            }
        }
    }

    /// How long an append whose acknowledgement was lost waits for the store to answer again.
    public static let resolvePatience = 10.0

    /// After the connection broke during an append without a command id: reads the head.
    /// - Returns: the entries when they were committed; nil when they were not.
    private func resolve(_ drafts: [TranscriptEntry], after expected: TranscriptHead) throws -> [TranscriptEntry]? {
        let head = try storedHead()
        guard head.seq == expected.seq + drafts.count else { return nil }
        let recorded = try fetchEntries(after: expected.seq)
        // Ours only if the chain from the expected head is the one these drafts make.
        var hash = expected.hash
        for (offset, draft) in drafts.enumerated() {
            let (entry, _) = draft.chained(seq: expected.seq + offset + 1, after: hash)
            guard offset < recorded.count, recorded[offset].hash == entry.hash else { return nil }
            hash = entry.hash
        }
        return Array(recorded.prefix(drafts.count))
    }

    private func storedHead() throws -> TranscriptHead {
        let rows = try connection.execute("SELECT head_seq, head_hash FROM warroom.incidents WHERE id = $1", [incident])
        guard rows.count == 1 else { throw PostgresStoreError.incidentMissing(target: connection.target, id: incident) }
        return TranscriptHead(seq: rows.int(0, 0) ?? 0, hash: rows.string(0, 1) ?? "")
    }

    private func reconnectIfNeeded() throws {
        if !connection.isConnected { try reconnect() }
    }

    /// Runs `body`, turning a lost or refused connection into `TranscriptError.unreachable`,
    /// the one error a shell treats as "the store went away".
    private func unreachableAsTranscriptError<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresStoreError where error.isUnreachable {
            throw TranscriptError.unreachable(path: location, reason: error.unreachableReason)
        }
    }

    /// A store error from an append, as the `TranscriptError` the protocol promises.
    private func transcriptError(_ error: PostgresStoreError) -> TranscriptError {
        error.isUnreachable ? .unreachable(path: location, reason: error.unreachableReason) : .writeFailed(path: location, reason: Self.reason(error))
    }

    /// Runs a read; when the connection turns out to be gone (the server restarted since the
    /// last call), reconnects and reads again, once: reading twice is harmless.
    private func reading<T>(_ body: () throws -> T) throws -> T {
        try reconnectIfNeeded()
        do {
            return try body()
        } catch PostgresStoreError.connectionLost {
            try reconnect()
            return try body()
        }
    }

    /// A store error as the reason part of `TranscriptError.writeFailed`.
    static func reason(_ error: PostgresStoreError) -> String {
        switch error {
        case .connectionLost(_, let message), .connectFailed(_, let message):
            return "the store is unreachable (\(message))"
        case .permissionDenied(_, let role, let message):
            return "role '\(role)' may read this incident but not write to it (\(message)); writing needs the warroom_writer role (docs/STORE.md)"
        default:
            return error.description
        }
    }
}

/// The incidents in a store, for `warroom list --store`.
public enum PostgresCatalog {
    /// Every incident in the store, newest first, each folded from its entries as a file's is.
    /// - Throws: `PostgresStoreError`.
    public static func list(url: ConnectionString) throws -> [IncidentCatalog.Row] {
        let connection = try PostgresConnection(url: url)
        defer { connection.close() }
        try connection.makeReadOnly()
        try PostgresSchema.check(connection)
        let ids = try connection.execute("SELECT id FROM warroom.incidents ORDER BY opened_at DESC, id")
        var rows: [IncidentCatalog.Row] = []
        for index in 0..<ids.count {
            guard let id = ids.string(index, 0) else { continue }
            let lines = try connection.execute("SELECT line FROM warroom.entries WHERE incident = $1 ORDER BY seq", [id])
            var entries: [TranscriptEntry] = []
            var bytes: [UInt8] = []
            for row in 0..<lines.count {
                bytes.removeAll(keepingCapacity: true)
                lines.appendBytes(row, 0, to: &bytes)
                if let entry = try? TranscriptEntry.decode(line: bytes, number: row + 1) { entries.append(entry) }
            }
            guard !entries.isEmpty else { continue }
            rows.append(IncidentCatalog.row(entries: entries, file: "\(id) in \(connection.target)") { "open" })
        }
        return rows.sorted { $0.start > $1.start || ($0.start == $1.start && $0.id < $1.id) }
    }
}
