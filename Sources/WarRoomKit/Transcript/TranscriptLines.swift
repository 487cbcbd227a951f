#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one scanner of transcript lines. Every reader — the verifier, the decoder (`resume`,
/// `timeline`, `replay`, `export`, a store's rows), the postmortem — walks the bytes through it,
/// so they agree on where lines are: a leading byte-order mark (an editor's addition) is not part
/// of the first line, and a last line with no newline is torn.
enum TranscriptLines {
    /// What a scan found besides the lines it handed over.
    struct Ending {
        /// Complete lines handed over.
        var lines: Int
        /// Where an unterminated last line starts, when the scan reached one.
        var tornStart: Int?
    }

    /// Calls `body` with each complete line in order until it returns `false`.
    /// - Parameters:
    ///   - buffer: the bytes.
    ///   - skippingMark: whether a leading byte-order mark is skipped (a file's bytes; a
    ///     store's rows have none).
    ///   - body: given the 1-based line number, the line without its newline, and the offset
    ///     just after its newline; returns whether to go on.
    /// - Returns: how many lines were handed over, and where a torn last line starts.
    @discardableResult
    static func scan(_ buffer: UnsafeBufferPointer<UInt8>, skippingMark: Bool = true,
                     _ body: (_ number: Int, _ line: UnsafeBufferPointer<UInt8>, _ next: Int) throws -> Bool) rethrows -> Ending {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return Ending(lines: 0) }
        var start = skippingMark ? ByteOrderMark.length(of: buffer) : 0
        var number = 0
        while start < buffer.count {
            guard let found = memchr(base + start, 0x0A, buffer.count - start) else {
                return Ending(lines: number, tornStart: start)
            }
            let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            number += 1
            guard try body(number, UnsafeBufferPointer(rebasing: buffer[start..<newline]), newline + 1) else { break }
            start = newline + 1
        }
        return Ending(lines: number)
    }
}
