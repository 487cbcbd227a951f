#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a transcript file a few megabytes at a time, handing over runs of whole lines, so a
/// reader that folds as it goes holds one chunk of the file, never the file.
///
/// It agrees with `TranscriptLines.scan` over the whole file's bytes on every line, its number
/// and offset: a leading byte-order mark is not part of the first line, and a last line with no
/// newline is torn. A line longer than a chunk grows the chunk to hold it.
///
///     let tail = try TranscriptChunks.read(fd: fd, path: path) { chunk in
///         TranscriptLines.scan(chunk.bytes, skippingMark: false) { number, line, _ in … }
///     }
public enum TranscriptChunks {
    /// Whole lines of the file: their bytes (each newline included), where they start in the
    /// file, and the number of the first of them.
    struct Chunk {
        var bytes: UnsafeBufferPointer<UInt8>
        /// The file offset of `bytes[0]`.
        var offset: Int
        /// The 1-based line number of the first line in `bytes`.
        var firstLine: Int
        /// How many lines `bytes` holds.
        var lines: Int

        /// The chunk cut in two at the newline nearest its middle (the second may be empty).
        func halves() -> [Chunk] {
            var cut = bytes.count / 2
            while cut < bytes.count, bytes[cut] != 0x0A { cut += 1 }
            cut = min(cut + 1, bytes.count)
            let front = UnsafeBufferPointer(rebasing: bytes[..<cut])
            let frontLines = TranscriptChunks.newlines(in: front)
            return [Chunk(bytes: front, offset: offset, firstLine: firstLine, lines: frontLines),
                    Chunk(bytes: UnsafeBufferPointer(rebasing: bytes[cut...]), offset: offset + cut, firstLine: firstLine + frontLines, lines: lines - frontLines)]
        }

        /// Calls `body` with each line's number in the file, its bytes without the newline,
        /// and the file offset just after its newline, until it returns `false`.
        /// - Returns: whether every line was handed over.
        @discardableResult
        func forEachLine(_ body: (_ number: Int, _ line: UnsafeBufferPointer<UInt8>, _ next: Int) throws -> Bool) rethrows -> Bool {
            var going = true
            try TranscriptLines.scan(bytes, skippingMark: false) { index, line, next in
                going = try body(firstLine + index - 1, line, offset + next)
                return going
            }
            return going
        }
    }

    /// What follows the last whole line.
    struct Tail {
        /// Whole lines read.
        var lines: Int
        /// The file's size in bytes (as read).
        var byteCount: Int
        /// The unterminated last line, when there is one.
        var torn: TornLine?
        /// Whether the file starts with a byte-order mark.
        var marked: Bool
    }

    /// The size of a chunk: big enough that a chunk's fixed costs vanish, small enough to stay
    /// in the processor's cache beside what a fold keeps.
    public static let chunkSize = 1 << 20

    /// Reads `path` chunk by chunk (see `read(fd:path:chunkSize:_:)`).
    /// - Throws: `TranscriptError.unreadable`, and what `body` throws.
    static func read(path: String, chunkSize: Int = chunkSize, _ body: (Chunk) throws -> Bool) throws -> Tail {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TranscriptError.unreadable(path: path, reason: errorText(errno)) }
        defer { close(fd) }
        return try read(fd: fd, path: path, chunkSize: chunkSize, body)
    }

    /// Reads a file from its descriptor's offset to its end, handing over each run of whole
    /// lines in order until `body` returns `false`.
    /// - Parameters:
    ///   - fd: an open descriptor, at the file's start.
    ///   - path: for messages.
    ///   - chunkSize: the bytes read at a time (a chunk holds at least one whole line).
    ///   - body: given each chunk; returns whether to go on.
    /// - Returns: the lines read, the file's size and its torn last line (only when read to its end).
    /// - Throws: `TranscriptError.unreadable` (a folder, a read error), and what `body` throws.
    static func read(fd: Int32, path: String, chunkSize: Int = chunkSize, _ body: (Chunk) throws -> Bool) throws -> Tail {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TranscriptError.unreadable(path: path, reason: errorText(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw TranscriptError.unreadable(path: path, reason: "it is a folder") }
        let buffer = ChunkBuffer(capacity: max(4, chunkSize))
        defer { buffer.release() }
        var offset = 0        // the file offset of buffer[0]
        var filled = 0        // bytes held
        var lines = 0
        var marked = false
        var atEnd = false
        var first = true
        while !atEnd {
            if filled == buffer.capacity { buffer.grow() }
            let count = try buffer.fill(from: fd, at: filled, path: path)
            if count == 0 { atEnd = true }
            filled += count
            var start = 0
            if first, filled >= 3 || atEnd {
                first = false
                if ByteOrderMark.length(of: UnsafeBufferPointer(start: buffer.base, count: filled)) == 3 {
                    marked = true
                    start = 3
                }
            }
            if first { continue }
            // The whole lines held: up to the last newline.
            var last = filled - 1
            while last >= start, buffer.base[last] != 0x0A { last -= 1 }
            guard last >= start else {
                if atEnd { break }
                if start > 0 { buffer.shift(from: start, count: filled - start); offset += start; filled -= start }
                continue
            }
            let end = last + 1
            let run = UnsafeBufferPointer(start: buffer.base + start, count: end - start)
            let held = newlines(in: run)
            let going = try body(Chunk(bytes: run, offset: offset + start, firstLine: lines + 1, lines: held))
            lines += held
            if !going { return Tail(lines: lines, byteCount: Int(info.st_size), torn: nil, marked: marked) }
            buffer.shift(from: end, count: filled - end)
            offset += end
            filled -= end
        }
        var torn: TornLine?
        let held = UnsafeBufferPointer(start: buffer.base, count: filled)
        let skip = (offset == 0 && marked) ? 3 : 0
        if filled > skip { torn = TornLine(line: lines + 1, offset: offset + skip, bytes: Array(held[skip...])) }
        return Tail(lines: lines, byteCount: offset + filled, torn: torn, marked: marked)
    }

    /// How many newlines `bytes` holds.
    static func newlines(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        var at = 0
        var count = 0
        while at < bytes.count, let found = memchr(base + at, 0x0A, bytes.count - at) {
            count += 1
            at = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return count
    }
}

/// The memory a chunk is read into; grows (doubling) only for a line longer than it.
private final class ChunkBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    func release() { base.deallocate() }

    func grow() {
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        larger.update(from: base, count: capacity)
        base.deallocate()
        base = larger
        capacity *= 2
    }

    /// Moves `count` bytes from `from` to the front.
    func shift(from: Int, count: Int) {
        if count > 0, from > 0 { memmove(base, base + from, count) }
    }

    /// Reads until the buffer is full or the file ends.
    /// - Returns: the bytes read (0 at the end).
    func fill(from fd: Int32, at filled: Int, path: String) throws -> Int {
        var total = 0
        while filled + total < capacity {
            let count = Glibc.read(fd, base + filled + total, capacity - filled - total)
            if count < 0 {
                if errno == EINTR { continue }
                throw TranscriptError.unreadable(path: path, reason: errorText(errno))
            }
            if count == 0 { break }
            total += count
        }
        return total
    }
}
