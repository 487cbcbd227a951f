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
/// The file stays open from when the reader is made, so a transcript replaced meanwhile (warroom
/// replaces files by renaming) is still the one read; one appended to keeps its earlier bytes.
/// Reads go through a window of the file, so entries read in file order cost one read a window.
public final class TranscriptLineReader: Sendable {
    private let fd: Int32
    private let path: String
    private let window: Mutex<Window>

    private struct Window {
        var offset = 0
        var bytes: [UInt8] = []
    }

    /// The bytes read at a time.
    static let windowSize = 256 << 10

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
        window.withLock { window -> TranscriptEntry? in
            let end = place.offset + place.length
            if place.offset < window.offset || end > window.offset + window.bytes.count {
                guard fill(&window, from: place.offset, atLeast: place.length) else { return nil }
            }
            return window.bytes.withUnsafeBufferPointer { buffer in
                let start = place.offset - window.offset
                return try? TranscriptEntry.decode(buffer: UnsafeBufferPointer(rebasing: buffer[start..<start + place.length]), number: 0)
            }
        }
    }

    /// Reads the window from `offset`: the window's size, or the line's when it is longer.
    private func fill(_ window: inout Window, from offset: Int, atLeast length: Int) -> Bool {
        let size = max(Self.windowSize, length)
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
