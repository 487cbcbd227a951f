import ArgumentParser
import Foundation
import WarRoomKit
import WarRoomPostgres

/// Where a read-side command finds a transcript: a JSONL file, or an incident in a PostgreSQL
/// store (`--store URL INCIDENT-ID`, or `$WARROOM_STORE`).
///
/// With `--store` the argument is always an incident id. With only `$WARROOM_STORE` set, an
/// argument that names an existing file, ends in `.jsonl` or holds a `/` is still a file, so
/// local transcripts keep working; anything else is an incident id in the store.
enum TranscriptSource {
    case file(String)
    case store(ConnectionString, incident: String)

    /// The store named by `--store`, else `$WARROOM_STORE`, else none.
    static func storeURL(_ explicit: String?) -> String? {
        if let explicit { return explicit }
        if let fromEnvironment = ProcessInfo.processInfo.environment["WARROOM_STORE"], !fromEnvironment.isEmpty { return fromEnvironment }
        return nil
    }

    static func resolve(_ argument: String, store explicit: String?) -> TranscriptSource {
        if let explicit { return .store(ConnectionString(explicit), incident: argument) }
        if let url = storeURL(nil), !looksLikeFile(argument) { return .store(ConnectionString(url), incident: argument) }
        return .file(argument)
    }

    static func looksLikeFile(_ argument: String) -> Bool {
        argument.contains("/") || argument.hasSuffix(".jsonl") || FileManager.default.fileExists(atPath: argument)
    }

    /// How messages name it.
    var label: String {
        switch self {
        case .file(let path): return path
        case .store(_, let incident): return "\(incident) (store)"
        }
    }

    /// The transcript's bytes, as a file holds them (a store's lines byte for byte).
    /// - Throws: `TranscriptError` or `PostgresStoreError`.
    func bytes() throws -> [UInt8] {
        switch self {
        case .file(let path):
            return try TranscriptLog.readBytes(path: path)
        case .store(let url, let incident):
            let store = try PostgresTranscriptStore.open(url: url, incident: incident, readOnly: true)
            defer { store.close() }
            return try store.transcriptBytes()
        }
    }

    /// The transcript's bytes and, from a store, the logins of entries appended by a login other
    /// than the name they are recorded under (for the postmortem's Appendix).
    /// - Throws: `TranscriptError` or `PostgresStoreError`.
    func bytesAndLogins() throws -> (bytes: [UInt8], logins: [Int: String]) {
        switch self {
        case .file:
            return (try bytes(), [:])
        case .store(let url, let incident):
            let store = try PostgresTranscriptStore.open(url: url, incident: incident, readOnly: true)
            defer { store.close() }
            return (try store.transcriptBytes(), try store.otherLogins())
        }
    }

    /// The transcript's entries handed to `fold` in order, lenient of lines that cannot be
    /// decoded; a file is read a chunk at a time, so only what the fold keeps is kept, and the
    /// words of the kinds `skipsText` names are not made (`TranscriptStream`).
    /// - Returns: the bad lines and torn last line (`entryCount`, `badLines`, `torn`).
    /// - Throws: `TranscriptError` (unreadable, or not a transcript) or `PostgresStoreError`.
    func stream(skipsText: ((EntryKind) -> Bool)? = nil, _ fold: (TranscriptEntry) throws -> Void) throws -> TranscriptStream.Outcome {
        switch self {
        case .file(let path):
            let read = try TranscriptStream.read(path: path, verify: false, lenient: true, requiringOpen: true, skipsText: skipsText, fold: fold)
            if read.entryCount == 0 {
                throw TranscriptError.notATranscript(path: path, reason: read.byteCount == 0 ? "the file is empty" : "it holds no complete entry")
            }
            return read
        case .store:
            let log = try log(lenient: true)
            for entry in log.entries { try fold(entry) }
            var read = TranscriptStream.Outcome(path: label)
            read.entryCount = log.entries.count
            read.badLines = log.badLines
            read.torn = log.torn
            read.byteCount = log.byteCount
            return read
        }
    }

    /// The transcript decoded.
    /// - Parameter lenient: keep going past undecodable lines.
    func log(lenient: Bool) throws -> TranscriptLog {
        switch self {
        case .file(let path):
            return try TranscriptLog.read(path: path, lenient: lenient)
        case .store(_, let incident):
            return try TranscriptLog.decode(bytes: bytes(), path: "\(incident) (store)", lenient: lenient)
        }
    }
}

/// `--store URL` for the read-side commands.
struct StoreOption: ParsableArguments {
    @Option(name: .customLong("store"), help: ArgumentHelp(
        "A PostgreSQL store (libpq URL or key=value string; default $WARROOM_STORE): the argument is then an incident id.",
        valueName: "URL"))
    var url: String?
}
