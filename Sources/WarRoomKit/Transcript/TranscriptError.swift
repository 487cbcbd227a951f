/// Errors reading or writing a transcript; each message says what, where and what to do.
public enum TranscriptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The transcripts folder does not exist.
    case folderMissing(path: String)
    /// The folder or file cannot be written.
    case notWritable(path: String, reason: String)
    /// The file cannot be read.
    case unreadable(path: String, reason: String)
    /// Another process holds the transcript's lock.
    case locked(path: String, pid: Int32?)
    /// Writing an entry failed; nothing was acknowledged.
    case writeFailed(path: String, reason: String)
    /// A line in the middle of the file is not a transcript entry.
    case corrupt(path: String, line: Int, reason: String)
    /// The file holds no entries or does not start with `open`.
    case notATranscript(path: String, reason: String)
    /// The transcript already exists.
    case exists(path: String)
    /// Another writer recorded first: the head is not the one the append continued.
    case headMoved(path: String, expected: Int, found: Int)
    /// A symbolic link is where the transcript (or a file beside it) would be written.
    case symlink(path: String)
    /// The hash chain fails verification; `resume` refuses it unless told to accept it.
    case brokenChain(path: String, seq: Int, reason: String)
    /// A shared store cannot be reached (the database is down, the network cut); nothing was
    /// written, and the shell reconnects by itself.
    case unreachable(path: String, reason: String)
    /// A shared store went away while an append was being committed, and did not come back
    /// in time to say whether it took: the entries may or may not be recorded. The command's
    /// id tells once the store is back.
    case inDoubt(path: String, reason: String, command: CommandID)

    public var description: String {
        switch self {
        case .folderMissing(let path):
            return "transcripts folder '\(path)' does not exist; create it (mkdir -p '\(path)') or pass --transcripts DIR"
        case .notWritable(let path, let reason):
            return "cannot write '\(path)': \(reason); choose a writable folder with --transcripts DIR"
        case .unreadable(let path, let reason):
            return "cannot read '\(path)': \(reason); give the path of a transcript ('warroom list' shows a folder's incidents)"
        case .locked(let path, let pid):
            let holder = pid.map { "process \($0)" } ?? "another process"
            return "'\(path)' is open in \(holder); one writer at a time — quit that session first (or, if it is gone, retry)"
        case .writeFailed(let path, let reason):
            return "could not record to '\(path)': \(reason); the entry was not written — free space or fix permissions, then retry"
        case .corrupt(let path, let line, let reason):
            return "\(path):\(line): not a transcript entry (\(reason)); run 'warroom verify \(path)' for details"
        case .notATranscript(let path, let reason):
            return "'\(path)' is not a warroom transcript: \(reason)"
        case .exists(let path):
            return "'\(path)' already exists; resume it with 'warroom resume \(path)'"
        case .headMoved(let path, let expected, let found):
            return "'\(path)' moved on while the command was decided (expected entry #\(expected) last, found #\(found)); nothing was written — retry"
        case .symlink(let path):
            return "'\(path)' is a symbolic link, and warroom never reads a transcript or writes beside one through a link; remove the link, or give the real file's path"
        case .brokenChain(let path, let seq, let reason):
            return "'\(path)' fails verification at seq \(seq) (\(reason)); it was changed after it was written, so resume refuses it — check it with 'warroom verify \(path)', or continue anyway with 'warroom resume --accept-broken-chain \(path)' (the resume entry records that you did)"
        case .unreachable(let path, let reason):
            return "the store is unreachable (\(path): \(reason)); nothing was written — retry when it is back"
        case .inDoubt(let path, let reason, _):
            return "the store went away during the commit (\(path): \(reason)); not known yet whether it was recorded — warroom asks the store by the command's id once it is back; do not type it again"
        }
    }

    /// The process exit code for this error (SPEC §2: 65 bad input file, 74 I/O error).
    public var exitCode: Int32 {
        switch self {
        case .corrupt, .notATranscript, .brokenChain: return 65
        default: return 74
        }
    }
}

extension TranscriptError {
    /// A file that could not be written beside (or as) a transcript.
    init(_ error: PrivateFileError) {
        switch error {
        case .symlink(let path): self = .symlink(path: path)
        case .exists(let path): self = .exists(path: path)
        default: self = .notWritable(path: error.path, reason: String(describing: error))
        }
    }
}
