#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends entries to a transcript: each entry is written in one `write` and `fsync`ed before
/// `append` returns, so whatever the shell acknowledged survives a crash.
///
/// One writer at a time, for real: the writer holds an exclusive lock on the transcript file
/// itself (an open-file-description lock, `F_OFD_SETLK`), taken before a byte of it is read.
/// The lock lives as long as the descriptor, whatever else the process opens or closes, dies
/// with the process, and cannot be lost by deleting a file: deleting the transcript deletes
/// the incident. `<transcript>.lock` is only a note of the holder's pid, so that a refused
/// second writer (and `warroom list`) can name it; it is removed when the writer closes.
public final class TranscriptWriter: TranscriptStore {
    public let path: String
    /// The hash of the last entry written (the chain's head).
    public private(set) var lastHash: String
    /// The `seq` the next entry gets.
    public private(set) var nextSeq: Int
    /// Whether each append is fsynced (always, in the product; benchmarks turn it off to measure
    /// the work around the disk).
    public var syncsToDisk = true
    private var fd: Int32
    /// The pid note's descriptor (kept to recognise the note as ours when removing it).
    private var noteFD: Int32
    private var size: Int

    private init(path: String, fd: Int32, noteFD: Int32, lastHash: String, nextSeq: Int, size: Int) {
        self.path = path
        self.fd = fd
        self.noteFD = noteFD
        self.lastHash = lastHash
        self.nextSeq = nextSeq
        self.size = size
    }

    deinit { close() }

    /// Where the holder's pid is noted: `<transcript>.lock`.
    public static func notePath(for path: String) -> String { "\(path).lock" }

    /// Creates a new transcript (mode 0600, exclusively: never over a file or through a link)
    /// and takes its lock.
    /// - Throws: `TranscriptError` when the folder is missing or read-only, or something is
    ///   already at `path`.
    public static func create(path: String) throws -> TranscriptWriter {
        let folderPath = PrivateFile.split(path).folder
        var info = stat()
        if stat(folderPath, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR {
            throw TranscriptError.folderMissing(path: folderPath)
        }
        if access(folderPath, W_OK) != 0 {
            throw TranscriptError.notWritable(path: folderPath, reason: "the folder is read-only")
        }
        let fd: Int32
        do {
            fd = try PrivateFile.create(path, flags: O_RDWR | O_APPEND)
        } catch .exists {
            throw TranscriptError.exists(path: path)
        } catch {
            throw TranscriptError(error)
        }
        let noteFD: Int32
        do {
            try lock(fd, path: path)
            noteFD = try notePID(for: path)
        } catch {
            Glibc.close(fd)
            unlink(path)
            throw error
        }
        // The new file's name must survive a crash too: sync the folder that holds it.
        PrivateFile.syncFolder(folderPath)
        return TranscriptWriter(path: path, fd: fd, noteFD: noteFD, lastHash: HashChain.genesis, nextSeq: 1, size: 0)
    }

    /// Opens an existing transcript to append to it: takes its lock first, then reads it
    /// through the locked descriptor, so no second writer can slip in between the reading
    /// and the writing. Call `continueAfter(_:)` with the decoded bytes before appending.
    /// - Returns: the writer (locked, not yet positioned) and the file's bytes.
    /// - Throws: `TranscriptError` when locked, unreadable, a link, or not writable.
    public static func open(path: String) throws -> (writer: TranscriptWriter, bytes: [UInt8]) {
        let writer = try openLocked(path: path)
        do {
            let bytes = try TranscriptLog.readBytes(fd: writer.fd, path: path)
            writer.size = bytes.count
            return (writer, bytes)
        } catch {
            writer.close()
            throw error
        }
    }

    /// Opens an existing transcript and takes its lock; the descriptor is at the file's start,
    /// to be read through before the writer is positioned with `continueAfter`.
    /// - Throws: `TranscriptError` when locked, unreadable, a link, or not writable.
    static func openLocked(path: String) throws -> TranscriptWriter {
        let fd = Glibc.open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ELOOP { throw TranscriptError.symlink(path: path) }
            if code == ENOENT { throw TranscriptError.unreadable(path: path, reason: errorText(code)) }
            throw TranscriptError.notWritable(path: path, reason: errorText(code))
        }
        do {
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw TranscriptError.unreadable(path: path, reason: "not a regular file")
            }
            try lock(fd, path: path)
            let noteFD = try notePID(for: path)
            return TranscriptWriter(path: path, fd: fd, noteFD: noteFD, lastHash: HashChain.genesis, nextSeq: 1, size: 0)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Positions the writer after `log` (decoded from the bytes `open(path:)` returned). A torn
    /// last line is set aside in a new file, `<transcript>.torn-<seq>` (or `.torn-<seq>.2` … when
    /// that name is taken), and cut off, so new entries continue the chain from the last whole entry.
    /// - Returns: where the torn line was set aside, when there was one.
    /// - Throws: `TranscriptError` when the torn line cannot be set aside or cut.
    @discardableResult
    public func continueAfter(_ log: TranscriptLog) throws -> String? {
        try continueAfter(torn: log.torn, entryCount: log.entries.count, byteCount: log.byteCount, last: log.entries.last.map { ($0.seq, $0.hash) })
    }

    /// Positions the writer after a transcript read by `TranscriptStream` (see `continueAfter(_:)`).
    /// - Returns: where the torn line was set aside, when there was one.
    /// - Throws: `TranscriptError` when the torn line cannot be set aside or cut.
    @discardableResult
    public func continueAfter(_ read: TranscriptStream.Outcome) throws -> String? {
        try continueAfter(torn: read.torn, entryCount: read.entryCount, byteCount: read.byteCount,
                          last: read.lastSeq.flatMap { seq in read.lastHash.map { (seq, $0) } })
    }

    private func continueAfter(torn: TornLine?, entryCount: Int, byteCount: Int, last: (seq: Int, hash: String)?) throws -> String? {
        var tornPath: String?
        if let torn {
            let kept: (fd: Int32, path: String)
            do {
                kept = try PrivateFile.createUnique("\(path).torn-\(entryCount + 1)")
            } catch {
                throw TranscriptError.notWritable(path: path, reason: "cannot set the torn last line aside: \(error)")
            }
            let written = torn.bytes.withUnsafeBytes { write(kept.fd, $0.baseAddress, $0.count) }
            let synced = fsync(kept.fd) == 0
            Glibc.close(kept.fd)
            guard written == torn.bytes.count, synced else {
                unlink(kept.path)
                throw TranscriptError.notWritable(path: path, reason: "cannot set the torn last line aside in '\(kept.path)'")
            }
            if ftruncate(fd, off_t(torn.offset)) != 0 || fsync(fd) != 0 {
                throw TranscriptError.notWritable(path: path, reason: "cannot cut the torn last line: \(errorText(errno))")
            }
            tornPath = kept.path
        }
        size = torn?.offset ?? byteCount
        lastHash = last?.hash ?? HashChain.genesis
        nextSeq = (last?.seq ?? 0) + 1
        return tornPath
    }

    /// Opens an existing transcript to continue it, under its lock, and reads it once: its hash
    /// chain is checked while its entries are decoded and handed to `fold`, so what is kept is
    /// what the fold keeps. A torn last line is a crash's mark, not a change, and passes:
    /// `continueAfter(_:)` sets it aside.
    /// - Parameters:
    ///   - path: the transcript.
    ///   - acceptingBrokenChain: continue even when the chain fails verification (its lines
    ///     that cannot be decoded are then skipped); the problem is returned, to be recorded.
    ///   - skipsText: the kinds whose `text` and `input` the fold does not read.
    ///   - fold: given each entry in order.
    /// - Returns: the locked writer (call `continueAfter(read)` before appending), what the
    ///   read found, and the verification problem that was accepted, if any.
    /// - Throws: `TranscriptError.brokenChain` naming the first bad seq, `.notATranscript`,
    ///   `.corrupt` for a line that cannot be decoded, and what opening throws.
    public static func openVerified(path: String, acceptingBrokenChain: Bool, skipsText: ((EntryKind) -> Bool)? = nil,
                                    fold: (TranscriptEntry) throws -> Void) throws -> (writer: TranscriptWriter, read: TranscriptStream.Outcome, problem: VerifyProblem?) {
        let writer = try openLocked(path: path)
        do {
            let read = try TranscriptStream.read(fd: writer.fd, path: path, verify: true, lenient: acceptingBrokenChain, skipsText: skipsText, fold: fold)
            // What decoding alone would say, then the chain's word before it, as `decode` and
            // `verify` side by side say them.
            var decodeFailure: TranscriptError?
            if let bad = read.badLines.first, !acceptingBrokenChain {
                decodeFailure = .corrupt(path: path, line: bad.line, reason: bad.reason)
            } else if read.entryCount == 0 {
                throw TranscriptError.notATranscript(path: path, reason: read.byteCount == 0 ? "the file is empty" : "it holds no complete entry")
            } else if let first = read.firstKind, first != .open {
                throw TranscriptError.notATranscript(path: path, reason: "the first entry is '\(first.rawValue)', not 'open'")
            }
            var problem = read.verification?.problem
            // A file whose first line is no `open` entry was never a transcript: saying it
            // "was changed after it was written" would send its owner looking for an edit.
            if let found = problem, found.line == 1, !read.opensWithOpen {
                throw TranscriptError.notATranscript(path: path, reason: "its first line is not warroom's 'open' entry (\(found.reason)); give the path of a transcript ('warroom list' shows a folder's incidents)")
            }
            // A torn last line passes when every whole line decodes (it is then a crash's mark).
            if let found = problem, let torn = read.torn, found.line == torn.line, decodeFailure == nil { problem = nil }
            if let problem, !acceptingBrokenChain {
                throw TranscriptError.brokenChain(path: path, seq: problem.seq, reason: problem.reason)
            }
            if let decodeFailure { throw decodeFailure }
            return (writer, read, problem)
        } catch {
            writer.close()
            throw error
        }
    }

    /// Opens an existing transcript and positions the writer after its last whole entry
    /// (`open(path:)`, then `continueAfter(_:)`).
    /// - Returns: the writer and the transcript as read under the lock.
    /// - Throws: `TranscriptError` when locked, unreadable, corrupt or not writable.
    public static func resume(path: String) throws -> (writer: TranscriptWriter, log: TranscriptLog) {
        let (writer, bytes) = try open(path: path)
        do {
            let log = try TranscriptLog.decode(bytes: bytes, path: path)
            try writer.continueAfter(log)
            return (writer, log)
        } catch {
            writer.close()
            throw error
        }
    }

    /// Appends one entry: assigns `seq` and `hash`, writes the line and fsyncs.
    /// - Returns: the entry as written.
    /// - Throws: `TranscriptError.writeFailed`; the file is left as it was before the call.
    @discardableResult
    public func append(_ draft: TranscriptEntry) throws -> TranscriptEntry {
        try append(contentsOf: [draft])[0]
    }

    /// Appends entries that belong together (what one command recorded) with one write and
    /// one fsync; all of them are on disk, or none.
    /// - Returns: the entries as written.
    /// - Throws: `TranscriptError.writeFailed`; the file is left as it was before the call.
    @discardableResult
    public func append(contentsOf drafts: [TranscriptEntry]) throws -> [TranscriptEntry] {
        guard fd >= 0 else { throw TranscriptError.writeFailed(path: path, reason: "the transcript is closed") }
        var written: [TranscriptEntry] = []
        written.reserveCapacity(drafts.count)
        var bytes: [UInt8] = []
        var hash = lastHash
        var seq = nextSeq
        for draft in drafts {
            let (entry, line) = draft.chained(seq: seq, after: hash)
            bytes.append(contentsOf: line)
            hash = entry.hash
            seq += 1
            written.append(entry)
        }
        var offset = 0
        let failure: Int32? = bytes.withUnsafeBytes { buffer -> Int32? in
            while offset < buffer.count {
                let result = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += result
            }
            return !syncsToDisk || fsync(fd) == 0 ? nil : errno
        }
        if let failure {
            // Leave no partial line behind: the next append must start on a line boundary.
            _ = ftruncate(fd, off_t(size))
            throw TranscriptError.writeFailed(path: path, reason: errorText(failure))
        }
        size += bytes.count
        lastHash = hash
        nextSeq = seq
        return written
    }

    // MARK: - TranscriptStore

    public var location: String { path }

    public func head() throws -> TranscriptHead {
        TranscriptHead(seq: nextSeq - 1, hash: lastHash)
    }

    /// A file's append is acknowledged by its own `fsync`, never lost in flight: the command
    /// id has nothing to guard, and is not kept.
    @discardableResult
    public func append(_ drafts: [TranscriptEntry], after expected: TranscriptHead, command: CommandID?) throws -> [TranscriptEntry] {
        // The lock makes this the only writer, so the head moves only here.
        guard expected.seq == nextSeq - 1, expected.hash == lastHash else {
            throw TranscriptError.headMoved(path: path, expected: expected.seq, found: nextSeq - 1)
        }
        return try append(contentsOf: drafts)
    }

    public func entries(after seq: Int) throws -> [TranscriptEntry] {
        try TranscriptLog.read(path: path).entries.filter { $0.seq > seq }
    }

    /// Releases the file and its lock, and removes the pid note if it is still ours.
    public func close() {
        if noteFD >= 0 {
            var mine = stat()
            var there = stat()
            let notePath = Self.notePath(for: path)
            if fstat(noteFD, &mine) == 0, lstat(notePath, &there) == 0, mine.st_ino == there.st_ino, mine.st_dev == there.st_dev {
                unlink(notePath)
            }
            Glibc.close(noteFD)
            noteFD = -1
        }
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Takes the exclusive lock on an open transcript, or says who holds it.
    private static func lock(_ fd: Int32, path: String) throws {
        guard !TranscriptLock.tryLock(fd) else { return }
        throw TranscriptError.locked(path: path, pid: TranscriptLock.notedHolder(of: path))
    }

    /// Writes this process's pid into the note beside the transcript (never through a link).
    private static func notePID(for path: String) throws -> Int32 {
        let noteFD: Int32
        do {
            noteFD = try PrivateFile.open(forWriting: notePath(for: path), flags: O_WRONLY, truncate: true)
        } catch {
            throw TranscriptError(error)
        }
        let pidText = Array("\(getpid())\n".utf8)
        _ = pidText.withUnsafeBytes { pwrite(noteFD, $0.baseAddress, $0.count, 0) }
        return noteFD
    }
}

/// The transcript lock: an exclusive open-file-description lock on the whole transcript file.
enum TranscriptLock {
    #if os(Linux)
    // From <fcntl.h>, which declares them only under _GNU_SOURCE.
    static let getLock: Int32 = 36  // F_OFD_GETLK
    static let setLock: Int32 = 37  // F_OFD_SETLK
    #endif

    /// Takes the lock without waiting.
    /// - Returns: whether it was taken (false when another descriptor holds it).
    static func tryLock(_ fd: Int32) -> Bool {
        #if os(Linux)
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        return fcntl(fd, setLock, &lock) == 0
        #else
        return flock(fd, LOCK_EX | LOCK_NB) == 0
        #endif
    }

    /// Whether someone holds the lock of the transcript at `path` (read without taking it).
    static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        #if os(Linux)
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        return fcntl(fd, getLock, &probe) == 0 && probe.l_type != Int16(F_UNLCK)
        #else
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
        #endif
    }

    /// The pid in the note beside a held transcript (`nil` when there is no readable note).
    static func notedHolder(of path: String) -> Int32? {
        let fd = open(TranscriptWriter.notePath(for: path), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 24)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmed(of: " \n")
        guard let pid = Int32(text), pid > 0 else { return nil }
        return pid
    }
}

/// `strerror` as a Swift string.
func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
