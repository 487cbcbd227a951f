import Foundation

/// The one place warroom writes a file named on the command line (`--output`): created with
/// mode 0600 (an existing file is truncated and set to 0600), never through a symbolic link,
/// and only if it is a regular file.
enum OutputFile {
    /// Why a file could not be written; the message names it and says what to do.
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String

        var description: String { "cannot write '\(path)': \(reason); choose another --output" }
    }

    /// Writes `bytes` to `path` and syncs them to disk.
    /// - Throws: `Failure`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw Failure(path: path, reason: code == ELOOP ? "it is a symbolic link, and warroom does not write through links" : String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw Failure(path: path, reason: "it is not a regular file")
        }
        guard fchmod(fd, 0o600) == 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, reason: String(cString: strerror(errno)))
            }
            offset += count
        }
        guard fsync(fd) == 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
    }
}
