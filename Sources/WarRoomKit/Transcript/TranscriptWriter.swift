#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends entries to a transcript: each entry is written in one `write` and `fsync`ed before
/// `append` returns, so whatever the shell acknowledged survives a crash.
///
/// One writer at a time: a POSIX lock on `<transcript>.lock` (which also holds the writer's
/// pid, so a refused second writer can name the holder).
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
    private var lockFD: Int32
    private var size: Int

    private init(path: String, fd: Int32, lockFD: Int32, lastHash: String, nextSeq: Int, size: Int) {
        self.path = path
        self.fd = fd
        self.lockFD = lockFD
        self.lastHash = lastHash
        self.nextSeq = nextSeq
        self.size = size
    }

    deinit { close() }

    /// Creates a new transcript (mode 0600) and takes its lock.
    /// - Throws: `TranscriptError` when the folder is missing or read-only, or the file exists.
    public static func create(path: String) throws -> TranscriptWriter {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let folderPath = folder.isEmpty ? "." : folder
        var info = stat()
        if stat(folderPath, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR {
            throw TranscriptError.folderMissing(path: folderPath)
        }
        if access(folderPath, W_OK) != 0 {
            throw TranscriptError.notWritable(path: folderPath, reason: "the folder is read-only")
        }
        let lockFD = try takeLock(for: path)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            Glibc.close(lockFD)
            if code == EEXIST { throw TranscriptError.exists(path: path) }
            throw TranscriptError.notWritable(path: path, reason: errorText(code))
        }
        // The new file's name must survive a crash too: sync the folder that holds it.
        let folderFD = open(folderPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            fsync(folderFD)
            Glibc.close(folderFD)
        }
        return TranscriptWriter(path: path, fd: fd, lockFD: lockFD, lastHash: HashChain.genesis, nextSeq: 1, size: 0)
    }

    /// Opens an existing transcript for appending after `log` (which was read from it), taking
    /// its lock. A torn last line is moved to `<transcript>.torn-<seq>` and cut off, so new
    /// entries continue the chain from the last whole entry.
    /// - Throws: `TranscriptError` when locked or not writable.
    public static func resume(path: String, log: TranscriptLog) throws -> TranscriptWriter {
        let lockFD = try takeLock(for: path)
        let fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            Glibc.close(lockFD)
            throw TranscriptError.notWritable(path: path, reason: errorText(code))
        }
        if let torn = log.torn {
            let keep = "\(path).torn-\(log.entries.count + 1)"
            let tornFD = open(keep, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            if tornFD >= 0 {
                _ = torn.bytes.withUnsafeBytes { write(tornFD, $0.baseAddress, $0.count) }
                fsync(tornFD)
                Glibc.close(tornFD)
            }
            if ftruncate(fd, off_t(torn.offset)) != 0 || fsync(fd) != 0 {
                let code = errno
                Glibc.close(fd)
                Glibc.close(lockFD)
                throw TranscriptError.notWritable(path: path, reason: "cannot cut the torn last line: \(errorText(code))")
            }
        }
        let size = log.torn?.offset ?? log.byteCount
        return TranscriptWriter(path: path, fd: fd, lockFD: lockFD, lastHash: log.entries.last?.hash ?? HashChain.genesis,
                                nextSeq: (log.entries.last?.seq ?? 0) + 1, size: size)
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

    @discardableResult
    public func append(_ drafts: [TranscriptEntry], after expected: TranscriptHead) throws -> [TranscriptEntry] {
        // The lock makes this the only writer, so the head moves only here.
        guard expected.seq == nextSeq - 1, expected.hash == lastHash else {
            throw TranscriptError.headMoved(path: path, expected: expected.seq, found: nextSeq - 1)
        }
        return try append(contentsOf: drafts)
    }

    public func entries(after seq: Int) throws -> [TranscriptEntry] {
        try TranscriptLog.read(path: path).entries.filter { $0.seq > seq }
    }

    /// Releases the file and its lock.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        if lockFD >= 0 {
            Glibc.close(lockFD)
            lockFD = -1
        }
    }

    private static func takeLock(for path: String) throws -> Int32 {
        let lockPath = "\(path).lock"
        let lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if lockFD < 0 {
            throw TranscriptError.notWritable(path: lockPath, reason: errorText(errno))
        }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        if fcntl(lockFD, F_SETLK, &lock) != 0 {
            var probe = flock()
            probe.l_type = Int16(F_WRLCK)
            probe.l_whence = Int16(SEEK_SET)
            let pid: Int32? = fcntl(lockFD, F_GETLK, &probe) == 0 && probe.l_type != Int16(F_UNLCK) ? probe.l_pid : nil
            Glibc.close(lockFD)
            throw TranscriptError.locked(path: path, pid: pid)
        }
        let pidText = Array("\(getpid())\n".utf8)
        _ = ftruncate(lockFD, 0)
        _ = pidText.withUnsafeBytes { pwrite(lockFD, $0.baseAddress, $0.count, 0) }
        return lockFD
    }
}

/// `strerror` as a Swift string.
func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
