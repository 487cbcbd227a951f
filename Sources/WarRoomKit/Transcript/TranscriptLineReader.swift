#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Reads entries again from a transcript file, by the places a `TranscriptStream` read gave:
/// what lets a long incident's postmortem put entries down as it folds and read them back as it
/// writes, holding a few bytes per entry rather than the entry.
///
/// The file stays open from when the reader is made, and the first read goes through the same
/// descriptor (`TranscriptStream.read(fd:…placedFold:)`): a transcript replaced meanwhile (warroom
/// replaces files by renaming) is still the one read; one appended to keeps its earlier bytes. An
/// entry read again is the caller's to check: a line changed in place can decode to another.
/// Entries read close together in file order are read a window of the file at a time; entries
/// far apart (a pass over one kind of a long transcript) are read a line at a time, so the bytes
/// between them are not copied.
public final class TranscriptLineReader: Sendable {
    /// Open for reading from `init` to `deinit`.
    let fd: Int32
    private let path: String
    private let window: Mutex<Window>

    private struct Window {
        var offset = 0
        var bytes: [UInt8] = []
        /// Where the last line asked for ended.
        var lastEnd = 0
    }

    /// The bytes read at a time when lines are asked for close together.
    static let windowSize = 256 << 10
    /// Lines further apart than this are read one at a time.
    static let nearBytes = 4 << 10

    /// Opens `path` for reading.
    /// - Throws: `TranscriptError.unreadable`.
    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TranscriptError.unreadable(path: path, reason: errorText(errno)) }
        self.fd = fd
        self.path = path
        window = Mutex(Window())
    }

    deinit { close(fd) }

    /// The entry whose line is at `place`, decoded whole; nil when the bytes there are no longer
    /// that line (the file was changed in place) or cannot be read.
    public func entry(at place: TranscriptStream.LinePlace) -> TranscriptEntry? {
        guard place.offset >= 0, place.length > 0 else { return nil }
        return window.withLock { window -> TranscriptEntry? in
            let end = place.offset + place.length
            defer { window.lastEnd = end }
            if place.offset < window.offset || end > window.offset + window.bytes.count {
                let near = place.offset >= window.lastEnd && place.offset - window.lastEnd <= Self.nearBytes
                guard near else {
                    // A line far from the last: read alone, the window kept for the lines near it.
                    var line = Window()
                    guard fill(&line, from: place.offset, size: place.length, line: place.length) else { return nil }
                    return line.bytes.withUnsafeBufferPointer { try? TranscriptEntry.decode(buffer: $0, number: 0) }
                }
                guard fill(&window, from: place.offset, size: max(Self.windowSize, place.length), line: place.length) else { return nil }
            }
            return window.bytes.withUnsafeBufferPointer { buffer in
                let start = place.offset - window.offset
                return try? TranscriptEntry.decode(buffer: UnsafeBufferPointer(rebasing: buffer[start..<start + place.length]), number: 0)
            }
        }
    }

    /// Reads up to `size` bytes from `offset` into the window; false when fewer than the line's
    /// `length` were there (the file was cut short under the reader).
    private func fill(_ window: inout Window, from offset: Int, size: Int, line length: Int) -> Bool {
        window.bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let got = pread(fd, buffer.baseAddress! + count, size - count, off_t(offset + count))
                if got < 0, errno == EINTR { continue }
                guard got > 0 else { break }
                count += got
            }
        }
        window.offset = offset
        return window.bytes.count >= length
    }
}
