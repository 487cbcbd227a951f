#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How warroom opens every file it creates or writes — transcripts, their lock notes and torn
/// tails, postmortems, `--output` files, the shell history: never through a symbolic link
/// (`O_NOFOLLOW`; `O_EXCL` for new files), and readable by the owner alone (mode 0600). A link
/// planted where warroom writes is refused with a `PrivateFileError`, never followed, so it
/// cannot make warroom truncate or overwrite the file it points to.
public enum PrivateFile {
    /// The mode of everything warroom writes.
    public static let mode: mode_t = 0o600

    /// Creates a new file; fails if anything — a file, a folder, a link, even a dangling one —
    /// is already there.
    /// - Parameters:
    ///   - path: where.
    ///   - flags: access flags added to `O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC` (default `O_WRONLY`).
    /// - Returns: the open descriptor.
    /// - Throws: `PrivateFileError.exists` (or `.symlink` when a link is there), `.system`.
    public static func create(_ path: String, flags: Int32 = O_WRONLY) throws(PrivateFileError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw isSymlink(path) ? .symlink(path: path) : .exists(path: path) }
            throw .system(path: path, reason: errorText(code))
        }
        return fd
    }

    /// Opens a file for writing, creating it (mode 0600) when missing. A link at `path` is
    /// refused; a folder is refused; an existing regular file is set to mode 0600 (and emptied
    /// when `truncate`). Other files (a device such as `/dev/null`) are written as they are.
    /// - Parameters:
    ///   - path: where.
    ///   - flags: access flags added to `O_CREAT | O_NOFOLLOW | O_CLOEXEC` (default `O_WRONLY`).
    ///   - truncate: empty an existing regular file.
    /// - Returns: the open descriptor.
    /// - Throws: `PrivateFileError`.
    public static func open(forWriting path: String, flags: Int32 = O_WRONLY, truncate: Bool = false) throws(PrivateFileError) -> Int32 {
        // Non-blocking, so a FIFO planted there fails at once instead of waiting for a reader.
        let fd = Glibc.open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP || (code == EMLINK && isSymlink(path)) { throw .symlink(path: path) }
            throw .system(path: path, reason: errorText(code))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .system(path: path, reason: errorText(code))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            if (info.st_mode & 0o7777) != mode { _ = fchmod(fd, mode) }
            if truncate, ftruncate(fd, 0) != 0 {
                let code = errno
                close(fd)
                throw .system(path: path, reason: errorText(code))
            }
        case S_IFDIR:
            close(fd)
            throw .notAFile(path: path)
        default:
            break
        }
        let current = fcntl(fd, F_GETFL)
        if current >= 0 { _ = fcntl(fd, F_SETFL, current & ~O_NONBLOCK) }
        return fd
    }

    /// Replaces a file's contents as one step: the bytes go to a new file beside it (created
    /// exclusively, 0600, fsynced), which is then renamed over `path`. A reader sees the old
    /// file or the new one, never half of one; a link at `path` is refused, and the rename
    /// replaces a name, never follows one.
    /// - Parameters:
    ///   - bytes: the new contents.
    ///   - path: the file to write.
    /// - Throws: `PrivateFileError`; nothing is left behind when it fails.
    public static func write(_ bytes: [UInt8], to path: String) throws(PrivateFileError) {
        try replace(path) { fd in writeAll(bytes, to: fd) }
    }

    /// Writes a new file (mode 0600) that must not exist yet, and syncs it to disk: an export
    /// beside a closed room's postmortem, which must never replace anything.
    /// - Throws: `PrivateFileError.exists` (or `.symlink`), `.system`; a partial file is removed.
    public static func writeNew(_ bytes: [UInt8], to path: String) throws(PrivateFileError) {
        let fd = try create(path)
        defer { close(fd) }
        if let failure = writeAll(bytes, to: fd) ?? (fsync(fd) == 0 ? nil : errno) {
            unlink(path)
            throw .system(path: path, reason: errorText(failure))
        }
    }

    /// Writes every byte to `fd`, going on after a signal.
    /// - Returns: nil, or the `errno` of a failure.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        bytes.withUnsafeBytes { buffer -> Int32? in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += count
            }
            return nil
        }
    }

    /// Replaces a file as `write(_:to:)` does, with contents written by `fill` into the new
    /// file's descriptor (for writers that need one, such as libedit's history).
    /// - Parameters:
    ///   - path: the file to write.
    ///   - fill: writes the contents; returns `nil`, or the `errno` of a failure.
    /// - Throws: `PrivateFileError`; nothing is left behind when it fails.
    public static func replace(_ path: String, with fill: (Int32) -> Int32?) throws(PrivateFileError) {
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFLNK: throw .symlink(path: path)
            case S_IFREG: break
            default: throw .notAFile(path: path)
            }
        }
        let (folder, name) = split(path)
        var temporary = ""
        var fd: Int32 = -1
        for attempt in 0..<100 {
            temporary = "\(folder)/.\(name).\(getpid()).\(attempt).tmp"
            do {
                fd = try create(temporary)
                break
            } catch .exists, .symlink {
                continue
            } catch {
                // Said of the file asked for, never of the temporary one beside it.
                var folderInfo = stat()
                if stat(folder, &folderInfo) != 0 {
                    throw .system(path: path, reason: "the folder '\(folder)' does not exist; create it (mkdir -p '\(folder)') or choose another path")
                }
                throw .system(path: path, reason: "the folder '\(folder)' cannot be written (\(error.description.components(separatedBy: ": ").last ?? "")); choose a writable folder")
            }
        }
        guard fd >= 0 else { throw .system(path: path, reason: "no free name for a temporary file beside it") }
        var failure = fill(fd)
        if failure == nil, fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = errno }
        if let failure {
            unlink(temporary)
            throw .system(path: path, reason: errorText(failure))
        }
        syncFolder(folder)
    }

    /// `write(_:to:)` for text (UTF-8).
    public static func write(_ text: String, to path: String) throws(PrivateFileError) {
        try write(Array(text.utf8), to: path)
    }

    /// Creates `base`, or `base.2`, `base.3` … when taken, exclusively; for files that must
    /// never replace an earlier one (a torn tail set aside).
    /// - Returns: the descriptor and the path it was created at.
    /// - Throws: `PrivateFileError.system` when no name is free or the folder cannot be written.
    public static func createUnique(_ base: String) throws(PrivateFileError) -> (fd: Int32, path: String) {
        for counter in 1...1000 {
            let candidate = counter == 1 ? base : "\(base).\(counter)"
            do {
                return (try create(candidate), candidate)
            } catch .exists, .symlink {
                continue
            }
        }
        throw .system(path: base, reason: "a thousand files by that name are already there")
    }

    /// Whether a link (even a dangling one) is at `path`.
    public static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// Flushes a folder, so that a file just created or renamed in it survives a crash.
    static func syncFolder(_ folder: String) {
        let fd = Glibc.open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// The folder (`.` when none) and the last name of a path.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}

/// Why warroom did not write a file.
public enum PrivateFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A symbolic link is where the file would be; warroom does not write through links.
    case symlink(path: String)
    /// Something is already there (creating a new file).
    case exists(path: String)
    /// A folder or another kind of file is there.
    case notAFile(path: String)
    /// The system refused (permissions, a full disk, a missing folder).
    case system(path: String, reason: String)

    /// The path concerned.
    public var path: String {
        switch self {
        case .symlink(let path), .exists(let path), .notAFile(let path), .system(let path, _): return path
        }
    }

    public var description: String {
        switch self {
        case .symlink(let path):
            return "'\(path)' is a symbolic link, and warroom never writes through one; remove the link or choose another path"
        case .exists(let path):
            return "'\(path)' already exists; warroom does not overwrite it — move it away or choose another path"
        case .notAFile(let path):
            return "'\(path)' is a folder or a special file, not a file warroom can write; choose another path"
        case .system(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        }
    }
}
