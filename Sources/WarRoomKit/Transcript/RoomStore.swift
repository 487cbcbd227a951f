#if canImport(Glibc)
import Glibc
#endif

/// A shared store as one shell of a room sees it: who is in the room, a lock that lets one
/// shell at a time decide at the head, and a way to wake when the others record.
///
/// The PostgreSQL store is one (presence and the lock are the database's advisory locks, and
/// LISTEN/NOTIFY wakes the shell); the in-memory store of the test-support target plays one in unit tests. Every method
/// that talks to the store throws `TranscriptError.unreachable` when it cannot be reached.
public protocol RoomStore: TranscriptStore {
    /// Enters the room: this shell counts as present for as long as its connection lives
    /// (a killed shell stops counting), and again after `reconnect()`.
    /// - Returns: the shell's id in the room, unique among the shells present.
    /// - Throws: `TranscriptError.unreachable`.
    func enterRoom() throws -> Int

    /// Leaves the room: the shell no longer counts as present.
    func leaveRoom(shell: Int)

    /// Which of `shells` are present now.
    /// - Throws: `TranscriptError.unreachable`.
    func present(among shells: [Int]) throws -> Set<Int>

    /// Waits until no other shell is deciding and recording, and keeps them waiting until
    /// `unlockWrites()`: what this shell decides now is recorded at the head it decided on.
    /// Re-entrant: a command run by `run` locks again inside; the lock is let go when every
    /// lock has been unlocked.
    /// - Throws: `TranscriptError.unreachable`; the store's error when another shell held it
    ///   too long.
    func lockWrites() throws

    /// Lets other shells decide and record again (once it is unlocked as often as locked).
    func unlockWrites()

    /// Whether this connection may write to the incident (a read-only role can only watch).
    /// - Throws: `TranscriptError.unreachable`.
    func mayWrite() throws -> Bool

    /// A descriptor that becomes readable when another shell recorded something or the
    /// connection broke; -1 when there is none to wait on (not connected, or not listening).
    var wakeDescriptor: Int32 { get }

    /// Reads what arrived on `wakeDescriptor`, without a round trip.
    /// - Returns: whether another shell recorded something since the last call.
    /// - Throws: `TranscriptError.unreachable` when the connection broke.
    func takeWakeups() throws -> Bool

    /// Connects again after the store was unreachable (one try), and enters the room again
    /// with the same shell id when the shell had entered it.
    /// - Throws: `TranscriptError.unreachable` while it still cannot be reached.
    func reconnect() throws

    /// The login this shell's appends are recorded under (`session_user`), where the store
    /// keeps one per entry; `nil` otherwise.
    var login: String? { get }

    /// The login of each entry (by `seq`) that was appended by a login other than the name it
    /// is recorded under, for the postmortem's Appendix.
    /// - Throws: `TranscriptError.unreachable`.
    func otherLogins() throws -> [Int: String]

    /// The store's credentials as this shell holds them (the password it connected with, in
    /// every spelling), to redact from what a `!` command's output puts on the record.
    var secrets: [String] { get }

    /// The entries the command with this id recorded, in order; empty when it recorded none.
    /// - Throws: `TranscriptError.unreachable`.
    func entries(command: CommandID) throws -> [TranscriptEntry]

    /// The transcript as a JSONL file holds it, byte for byte (for the postmortem and the
    /// export `close` writes).
    /// - Throws: `TranscriptError.unreachable`, or what reading throws.
    func transcriptBytes() throws -> [UInt8]
}

/// Where `start` creates a new incident's transcript: a file in the transcripts folder (the
/// default), or a shared store (`start --store`).
public protocol IncidentStoreProvider: Sendable {
    /// Records a new incident's `open` entry as the first line of a new transcript.
    /// - Parameters:
    ///   - id: the id the incident should have (its start time and title); when an incident
    ///     with that id exists already, `id-2`, `id-3` … are tried.
    ///   - opening: the `open` entry for the id chosen.
    /// - Returns: the transcript, and the `open` entry as recorded.
    /// - Throws: `TranscriptError` (folder missing, not writable …), or the store's error.
    func create(id: String, opening: (String) -> TranscriptEntry) throws -> (store: any TranscriptStore, entry: TranscriptEntry)
}

/// The embedded default: one JSONL file per incident in a folder.
public struct TranscriptFolder: IncidentStoreProvider {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The transcript appears whole or not at all: its `open` line is written and synced under
    /// a hidden name, then linked to its own name (which fails, leaving the other alone, when
    /// another process took that name first), so a crash never leaves an empty transcript.
    public func create(id: String, opening: (String) -> TranscriptEntry) throws -> (store: any TranscriptStore, entry: TranscriptEntry) {
        while true {
            let file = try IncidentID.freePath(folder: path, id: id)
            let chosen = String(file.split(separator: "/").last!.dropLast(".jsonl".count))
            let (entry, line) = opening(chosen).chained(seq: 1, after: HashChain.genesis)
            let hidden = "\(path)/.\(chosen).jsonl.\(getpid()).new"
            unlink(hidden)
            do {
                try PrivateFile.writeNew(line, to: hidden)
            } catch {
                if access(path, W_OK) != 0 { throw TranscriptError.notWritable(path: path, reason: "the folder is read-only") }
                throw TranscriptError.writeFailed(path: file, reason: "\(error)")
            }
            let linked = link(hidden, file)
            let failure = errno
            unlink(hidden)
            if linked != 0 {
                if failure == EEXIST { continue }
                throw TranscriptError.writeFailed(path: file, reason: String(cString: strerror(failure)))
            }
            PrivateFile.syncFolder(path)
            let (writer, bytes) = try TranscriptWriter.open(path: file)
            do {
                _ = try writer.continueAfter(try TranscriptLog.decode(bytes: bytes, path: file))
            } catch {
                writer.close()
                throw error
            }
            return (writer, entry)
        }
    }
}
