import Foundation
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
    ///
    /// A large transcript's lines are decoded in a few slices side by side (one per core, up
    /// to four), and the slices' results joined in order: the entries, the bad lines and the
    /// first error are what decoding line by line gives.
    public static func decode(bytes: [UInt8], path: String, lenient: Bool = false) throws -> TranscriptLog {
        var entries: [TranscriptEntry] = []
        var badLines: [TranscriptLineError] = []
        var torn: TornLine?
        try bytes.withUnsafeBufferPointer { buffer in
            // A byte-order mark (an editor's addition) is not part of the first entry.
            let lines = LineSpans(buffer, skippingMark: true)
            if let tornStart = lines.tornStart {
                torn = TornLine(line: lines.ends.count + 1, offset: tornStart, bytes: Array(buffer[tornStart...]))
            }
            (entries, badLines) = DecodedSlice.decode(lines, in: buffer)
            if let error = badLines.first, !lenient {
                throw TranscriptError.corrupt(path: path, line: error.line, reason: error.reason)
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

extension TranscriptLog {
    /// Decodes newline-terminated transcript lines that need not start at `open` (a store's
    /// entries after some `seq`), in slices side by side when there are many.
    /// - Returns: the entries in order, and the lines that could not be decoded (1-based
    ///   line numbers within `bytes`); a last line without its newline counts as one of those.
    public static func decodeLines(_ bytes: [UInt8]) -> (entries: [TranscriptEntry], errors: [TranscriptLineError]) {
        bytes.withUnsafeBufferPointer { buffer in
            let lines = LineSpans(buffer, skippingMark: false)
            var (entries, errors) = DecodedSlice.decode(lines, in: buffer)
            if lines.tornStart != nil { errors.append(TranscriptLineError(line: lines.ends.count + 1, reason: "no newline at its end")) }
            return (entries, errors)
        }
    }
}

/// Where each complete line of a transcript ends, and where a torn last line starts.
struct LineSpans {
    /// The offset where the first line starts.
    let first: Int
    /// The offset of each complete line's newline, in order.
    let ends: [Int]
    /// The start of an unterminated last line, if there is one.
    let tornStart: Int?

    /// - Parameter skippingMark: whether a leading byte-order mark is skipped (`TranscriptLines`).
    init(_ buffer: UnsafeBufferPointer<UInt8>, skippingMark: Bool) {
        first = skippingMark ? ByteOrderMark.length(of: buffer) : 0
        var ends: [Int] = []
        ends.reserveCapacity(buffer.count / 256)
        let ending = TranscriptLines.scan(buffer, skippingMark: skippingMark) { _, _, next in
            ends.append(next - 1)
            return true
        }
        self.ends = ends
        tornStart = ending.tornStart
    }

    /// Where line `index` (0-based) starts.
    func start(of index: Int) -> Int { index == 0 ? first : ends[index - 1] + 1 }
}

/// The entries and undecodable lines of a run of consecutive lines.
struct DecodedSlice: Sendable {
    var entries: [TranscriptEntry] = []
    var errors: [TranscriptLineError] = []

    /// Below this many lines one thread decodes them all: starting threads would cost more.
    static let parallelThreshold = 4096

    /// Decodes every line, in slices side by side when there are many, straight into the one
    /// array returned: each slice writes its entries from its first line's place on, and the
    /// gaps bad lines leave are closed after (the entries moved, not copied).
    /// - Returns: the entries and the lines that could not be decoded, in order.
    static func decode(_ lines: LineSpans, in buffer: UnsafeBufferPointer<UInt8>) -> (entries: [TranscriptEntry], errors: [TranscriptLineError]) {
        let count = lines.ends.count
        let sliceCount = count < parallelThreshold ? 1 : max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
        guard sliceCount > 1 else {
            let slice = decode(lines, 0..<count, in: buffer)
            return (slice.entries, slice.errors)
        }
        let results = SliceResults(count: sliceCount)
        var errors: [TranscriptLineError] = []
        let entries = [TranscriptEntry](unsafeUninitializedCapacity: count) { storage, initialized in
            // The buffer and the storage outlive the concurrent loop, which returns only when
            // every slice is done; each slice writes only the places of its own lines.
            nonisolated(unsafe) let shared = buffer
            nonisolated(unsafe) let places = storage
            DispatchQueue.concurrentPerform(iterations: sliceCount) { slice in
                let range = (count * slice / sliceCount)..<(count * (slice + 1) / sliceCount)
                var written = range.lowerBound
                var sliceErrors: [TranscriptLineError] = []
                for index in range {
                    let line = UnsafeBufferPointer(rebasing: shared[lines.start(of: index)..<lines.ends[index]])
                    do {
                        (places.baseAddress! + written).initialize(to: try TranscriptEntry.decode(line: line, number: index + 1))
                        written += 1
                    } catch let error as TranscriptLineError {
                        sliceErrors.append(error)
                    } catch {
                        sliceErrors.append(TranscriptLineError(line: index + 1, reason: "\(error)"))
                    }
                }
                results.store(DecodedSlice(errors: sliceErrors), written: written - range.lowerBound, at: slice)
            }
            // Each slice's entries moved down to follow the previous slice's.
            var end = 0
            for (slice, result) in results.slices.enumerated() {
                let first = count * slice / sliceCount
                if first != end, result.written > 0 {
                    (places.baseAddress! + end).moveInitialize(from: places.baseAddress! + first, count: result.written)
                }
                end += result.written
                errors += result.slice.errors
            }
            initialized = end
        }
        return (entries, errors)
    }

    /// Decodes lines `range` (0-based) one after another.
    static func decode(_ lines: LineSpans, _ range: Range<Int>, in buffer: UnsafeBufferPointer<UInt8>) -> DecodedSlice {
        var slice = DecodedSlice()
        slice.entries.reserveCapacity(range.count)
        for index in range {
            let line = UnsafeBufferPointer(rebasing: buffer[lines.start(of: index)..<lines.ends[index]])
            do {
                slice.entries.append(try TranscriptEntry.decode(line: line, number: index + 1))
            } catch let error as TranscriptLineError {
                slice.errors.append(error)
            } catch {
                slice.errors.append(TranscriptLineError(line: index + 1, reason: "\(error)"))
            }
        }
        return slice
    }
}

/// Each slice's result, written once by the thread that decoded it.
private final class SliceResults: @unchecked Sendable {
    // Unchecked: each index is written by one iteration of `concurrentPerform`, under the lock,
    // and read only after it returns.
    private var stored: [(slice: DecodedSlice, written: Int)]
    private let lock = NSLock()

    init(count: Int) { stored = Array(repeating: (DecodedSlice(), 0), count: count) }

    /// A slice's bad lines and how many entries it wrote.
    func store(_ slice: DecodedSlice, written: Int, at index: Int) {
        lock.lock()
        stored[index] = (slice, written)
        lock.unlock()
    }

    var slices: [(slice: DecodedSlice, written: Int)] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
