#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The unterminated last line left by a crash in the middle of a write.
public struct TornLine: Sendable, Equatable {
    /// 1-based line number.
    public var line: Int
    /// Byte offset where it starts (the file is cut back to here on resume).
    public var offset: Int
    public var bytes: [UInt8]
}

/// A transcript read from disk: its entries, and a torn last line if a crash left one.
public struct TranscriptLog: Sendable {
    public var path: String
    public var entries: [TranscriptEntry]
    public var torn: TornLine?
    /// Lines in the middle that could not be decoded (tolerated only by `read(path:lenient:)`).
    public var badLines: [TranscriptLineError]
    /// Size of the file in bytes.
    public var byteCount: Int

    /// Reads every byte of a file.
    /// - Throws: `TranscriptError.unreadable`.
    public static func readBytes(path: String) throws -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TranscriptError.unreadable(path: path, reason: errorText(errno)) }
        defer { close(fd) }
        return try readBytes(fd: fd, path: path)
    }

    /// Reads every byte of a file just opened (from its offset to its end).
    /// - Throws: `TranscriptError.unreadable`.
    public static func readBytes(fd: Int32, path: String) throws -> [UInt8] {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TranscriptError.unreadable(path: path, reason: errorText(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw TranscriptError.unreadable(path: path, reason: "it is a folder") }
        // One byte more than the file, so the read that finds the end needs no second buffer
        // (growing it would copy the whole file: twice the memory for a large transcript).
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(65536, bytes.count))) }
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TranscriptError.unreadable(path: path, reason: errorText(errno))
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Reads and decodes a transcript.
    /// - Parameters:
    ///   - path: the `.jsonl` file.
    ///   - lenient: keep going past undecodable lines in the middle (recording them in
    ///     `badLines`) instead of throwing; the postmortem uses this so a damaged transcript
    ///     still compiles, with a warning.
    /// - Throws: `TranscriptError` when unreadable, empty, or (unless lenient) corrupt.
    public static func read(path: String, lenient: Bool = false) throws -> TranscriptLog {
        let bytes = try readBytes(path: path)
        return try decode(bytes: bytes, path: path, lenient: lenient)
    }

    /// Decodes transcript bytes (see `read(path:lenient:)`).
    public static func decode(bytes: [UInt8], path: String, lenient: Bool = false) throws -> TranscriptLog {
        var entries: [TranscriptEntry] = []
        entries.reserveCapacity(bytes.count / 300)
        var badLines: [TranscriptLineError] = []
        var torn: TornLine?
        // A byte-order mark (an editor's addition) is not part of the first entry.
        var start = ByteOrderMark.length(of: bytes)
        var lineNumber = 0
        try bytes.withUnsafeBufferPointer { buffer in
            while start < buffer.count {
                lineNumber += 1
                guard let newline = buffer[start...].firstIndex(of: 0x0A) else {
                    torn = TornLine(line: lineNumber, offset: start, bytes: Array(buffer[start...]))
                    break
                }
                let line = UnsafeBufferPointer(rebasing: buffer[start..<newline])
                do {
                    entries.append(try TranscriptEntry.decode(line: line, number: lineNumber))
                } catch let error as TranscriptLineError {
                    if !lenient { throw TranscriptError.corrupt(path: path, line: lineNumber, reason: error.reason) }
                    badLines.append(error)
                }
                start = newline + 1
            }
        }
        guard let first = entries.first else {
            throw TranscriptError.notATranscript(path: path, reason: bytes.isEmpty ? "the file is empty" : "it holds no complete entry")
        }
        guard first.kind == .open else {
            throw TranscriptError.notATranscript(path: path, reason: "the first entry is '\(first.kind.rawValue)', not 'open'")
        }
        return TranscriptLog(path: path, entries: entries, torn: torn, badLines: badLines, byteCount: bytes.count)
    }
}
