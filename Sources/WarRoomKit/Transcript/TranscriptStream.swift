import Foundation

/// Reads a transcript file once, a chunk at a time, checking its hash chain and decoding its
/// entries side by side, and hands each entry in order to a fold: what `resume`, `timeline`
/// and the other readers keep is what their fold keeps, never the file nor its entries.
///
///     var state = IncidentState()
///     let outcome = try TranscriptStream.read(path: path, verify: true) { entry in state.apply(entry) }
public enum TranscriptStream {
    /// What a read found beside the entries it handed over.
    public struct Outcome: Sendable {
        public var path: String
        /// Entries decoded and handed over.
        public var entryCount = 0
        /// The last entry's `seq` and hash, when there was one.
        public var lastSeq: Int?
        public var lastHash: String?
        /// The unterminated last line, when there is one.
        public var torn: TornLine?
        /// Lines that could not be decoded: every one when lenient, else the first (decoding
        /// stopped there).
        public var badLines: [TranscriptLineError] = []
        /// The file's size in bytes.
        public var byteCount = 0
        /// The chain check, when one was asked for.
        public var verification: VerifyReport?
        /// Whether line 1 decodes as an `open` entry.
        public var opensWithOpen = false
        /// The first entry's kind, when there was one.
        public var firstKind: EntryKind?

        public init(path: String) {
            self.path = path
        }
    }

    /// Below this many bytes one thread does everything: starting a second would cost more.
    static let parallelBytes = 256 << 10

    /// Reads `path` to its end (see `read(fd:path:verify:lenient:skipsText:chunkSize:fold:)`).
    /// - Parameter requiringOpen: a transcript's first entry is its `open`: a file whose first
    ///   entry is another kind is refused there, and read no further.
    /// - Throws: `TranscriptError.unreadable`, `.notATranscript` (`requiringOpen`), and what `fold` throws.
    public static func read(path: String, verify: Bool, lenient: Bool = false, requiringOpen: Bool = false, skipsText: ((EntryKind) -> Bool)? = nil,
                            chunkSize: Int = TranscriptChunks.chunkSize, progress: ((Double) -> Void)? = nil,
                            fold: (TranscriptEntry) throws -> Void) throws -> Outcome {
        try read(path: path, verify: verify, lenient: lenient, requiringOpen: requiringOpen, skipsText: skipsText, chunkSize: chunkSize,
                 progress: progress) { entry, _ in try fold(entry) }
    }

    /// Reads `path` to its end, telling the fold where each entry's line is in the file, so
    /// that a reader can put an entry down and read it again later (`TranscriptLineReader`).
    public static func read(path: String, verify: Bool, lenient: Bool = false, requiringOpen: Bool = false, skipsText: ((EntryKind) -> Bool)? = nil,
                            chunkSize: Int = TranscriptChunks.chunkSize, progress: ((Double) -> Void)? = nil,
                            placedFold fold: (TranscriptEntry, LinePlace) throws -> Void) throws -> Outcome {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TranscriptError.unreadable(path: path, reason: errorText(errno)) }
        defer { close(fd) }
        return try read(fd: fd, path: path, verify: verify, lenient: lenient, requiringOpen: requiringOpen, skipsText: skipsText,
                        chunkSize: chunkSize, progress: progress, placedFold: fold)
    }

    /// Reads a transcript from an open descriptor to its end, telling the fold where each
    /// entry's line is (see `read(path:…placedFold:)`). The descriptor can be a
    /// `TranscriptLineReader`'s, so that the entries read again come from the same file.
    static func read(fd: Int32, path: String, verify: Bool, lenient: Bool = false, requiringOpen: Bool = false, skipsText: ((EntryKind) -> Bool)? = nil,
                     chunkSize: Int = TranscriptChunks.chunkSize, progress: ((Double) -> Void)? = nil,
                     placedFold fold: (TranscriptEntry, LinePlace) throws -> Void) throws -> Outcome {
        var first = requiringOpen
        return try withoutActuallyEscaping(fold) { fold in
            try withoutActuallyEscaping(skipsText ?? { _ in false }) { skips in
                try read(fd: fd, path: path, verify: verify, lenient: lenient, escapingSkipsText: skips, chunkSize: chunkSize, progress: progress) { entry, place in
                    if first, entry.kind != .open {
                        throw TranscriptError.notATranscript(path: path, reason: "the first entry is '\(entry.kind.rawValue)', not 'open'")
                    }
                    first = false
                    try fold(entry, place)
                }
            }
        }
    }

    /// The size of the file at `path`, 0 when it cannot be told: what the readers that change
    /// how they read a long transcript go by.
    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Where a line is in its file: its first byte and its length, without the newline.
    public struct LinePlace: Sendable, Equatable {
        public var offset: Int
        public var length: Int
    }

    /// Reads a transcript from an open descriptor to its end.
    ///
    /// Each chunk's chain is checked on one core while its lines are decoded and folded on
    /// another. The chain is checked to the end even after a line fails to decode, so the
    /// report names the chain's first problem wherever it is.
    /// - Parameters:
    ///   - fd: open at the file's start.
    ///   - path: for messages.
    ///   - verify: check the hash chain (`Outcome.verification`).
    ///   - lenient: keep decoding past lines that cannot be decoded; otherwise the first one
    ///     stops decoding (it is the one bad line in the outcome).
    ///   - skipsText: the kinds whose `text` and `input` the fold does not read (checked, not
    ///     made). It may follow what the fold has seen: a line folded with its words skipped is
    ///     one `skipsText` skips when the line's turn comes.
    ///   - fold: given each entry in order, on one thread.
    /// - Returns: what the read found.
    /// - Throws: `TranscriptError.unreadable`, and the first error `fold` throws (reading stops there).
    ///   - chunkSize: the bytes read at a time (tests read a few bytes at a time to cut lines anywhere).
    ///   - progress: called after each chunk with the share of the file read (0…1).
    public static func read(fd: Int32, path: String, verify: Bool, lenient: Bool = false, skipsText: ((EntryKind) -> Bool)? = nil,
                            chunkSize: Int = TranscriptChunks.chunkSize, progress: ((Double) -> Void)? = nil,
                            fold: (TranscriptEntry) throws -> Void) throws -> Outcome {
        // The fold runs inside `concurrentPerform`, which returns before this call does.
        try withoutActuallyEscaping(fold) { fold in
            try withoutActuallyEscaping(skipsText ?? { _ in false }) { skips in
                try read(fd: fd, path: path, verify: verify, lenient: lenient, escapingSkipsText: skips, chunkSize: chunkSize, progress: progress) { entry, _ in
                    try fold(entry)
                }
            }
        }
    }

    private static func read(fd: Int32, path: String, verify: Bool, lenient: Bool, escapingSkipsText skipsText: @escaping (EntryKind) -> Bool,
                             chunkSize: Int, progress: ((Double) -> Void)?, fold: @escaping (TranscriptEntry, LinePlace) throws -> Void) throws -> Outcome {
        var info = stat()
        let size = fstat(fd, &info) == 0 ? max(1, Int(info.st_size)) : 1
        var outcome = Outcome(path: path)
        var chain = verify ? ChainCheck() : nil
        var chainProblem: VerifyProblem?
        var decoding = true
        var foldError: (any Error)?

        /// Folds one decoded line; returns whether to go on decoding.
        func take(_ decoded: Result<TranscriptEntry, any Error>, number: Int, place: LinePlace) -> Bool {
            do {
                let entry = try decoded.get()
                if number == 1 { outcome.opensWithOpen = entry.kind == .open }
                if outcome.firstKind == nil { outcome.firstKind = entry.kind }
                outcome.entryCount += 1
                outcome.lastSeq = entry.seq
                outcome.lastHash = entry.hash
                try fold(entry, place)
            } catch let error as TranscriptLineError {
                outcome.badLines.append(error)
                if !lenient { decoding = false }
            } catch {
                foldError = error
                decoding = false
            }
            return decoding
        }
        func decode(_ line: UnsafeBufferPointer<UInt8>, number: Int) -> Result<TranscriptEntry, any Error> {
            Result { try TranscriptEntry.decode(buffer: line, number: number, skipsText: skipsText) }
        }
        func decodeLines(of chunk: TranscriptChunks.Chunk) {
            chunk.forEachLine { number, line, next in take(decode(line, number: number), number: number, place: Self.place(of: line, endingBefore: next)) }
        }
        /// Decodes the chunk's two halves side by side, then folds them in order. `skipsText` is
        /// asked ahead of the fold here: a line whose words it skipped but would now read (the
        /// fold has since changed its mind) is decoded again, whole, before it is folded.
        func decodeHalves(of chunk: TranscriptChunks.Chunk) {
            let halves = chunk.halves()
            var front: [AheadLine] = []
            var back: [AheadLine] = []
            SideBySide(first: { front = decodedAhead(halves[0]) }, second: { back = decodedAhead(halves[1]) }).run()
            foldAhead(&front)
            foldAhead(&back)
        }
        /// Folds a half's lines in order, each result moved out of its place (not copied).
        func foldAhead(_ half: inout [AheadLine]) {
            for index in half.indices where decoding {
                guard var result = half[index].result.take() else { continue }
                if half[index].skipped, case .success(let entry) = result, !skipsText(entry.kind) { result = decode(half[index].line, number: half[index].number) }
                _ = take(result, number: half[index].number, place: half[index].place)
            }
        }
        func decodedAhead(_ half: TranscriptChunks.Chunk) -> [AheadLine] {
            var lines: [AheadLine] = []
            lines.reserveCapacity(half.lines)
            half.forEachLine { number, line, next in
                var skipped = false
                let result = Result { try TranscriptEntry.decode(buffer: line, number: number, skipsText: { kind in
                    let skips = skipsText(kind)
                    skipped = skipped || skips
                    return skips
                }) }
                lines.append(AheadLine(number: number, line: line, place: Self.place(of: line, endingBefore: next), result: result, skipped: skipped))
                return true
            }
            return lines
        }
        func checkLines(of chunk: TranscriptChunks.Chunk) {
            guard chain != nil, chainProblem == nil else { return }
            chunk.forEachLine { number, line, _ in
                chainProblem = chain!.check(line, number: number)
                return chainProblem == nil
            }
        }

        let parallel = ProcessInfo.processInfo.activeProcessorCount > 1
        let tail = try TranscriptChunks.read(fd: fd, path: path, chunkSize: chunkSize) { chunk in
            let checking = chain != nil && chainProblem == nil
            if parallel, chunk.bytes.count >= parallelBytes, decoding, checking {
                // Each side touches only its own state; the chunk's bytes are only read.
                SideBySide(first: { decodeLines(of: chunk) }, second: { checkLines(of: chunk) }).run()
            } else if parallel, chunk.bytes.count >= parallelBytes, decoding {
                decodeHalves(of: chunk)
            } else {
                if decoding { decodeLines(of: chunk) }
                checkLines(of: chunk)
            }
            progress?(min(1, Double(chunk.offset + chunk.bytes.count) / Double(size)))
            // A fold that throws ends the read at once (its error is the outcome).
            return foldError == nil && (decoding || (chain != nil && chainProblem == nil))
        }
        if let foldError { throw foldError }
        outcome.torn = tail.torn
        outcome.byteCount = tail.byteCount
        if let chain {
            var problem = chainProblem
            if problem == nil, tail.byteCount == (tail.marked ? 3 : 0) { problem = VerifyProblem(line: 1, seq: 1, reason: "the file is empty") }
            if problem == nil, let torn = tail.torn { problem = ChainCheck.torn(line: torn.line, bytes: torn.bytes.count) }
            outcome.verification = chain.report(problem: problem)
        }
        return outcome
    }
}

extension TranscriptStream {
    /// The place of a line whose newline ends just before file offset `next`.
    static func place(of line: UnsafeBufferPointer<UInt8>, endingBefore next: Int) -> LinePlace {
        LinePlace(offset: next - 1 - line.count, length: line.count)
    }
}

/// Two pieces of one chunk's work run side by side, returning when both are done.
private struct SideBySide: @unchecked Sendable {
    // Unchecked: the two closures touch disjoint state (each its own results, or the decoder's
    // and the chain's), the chunk's bytes are only read, and `concurrentPerform` returns only
    // when both are done, so nothing outlives the call.
    let first: () -> Void
    let second: () -> Void

    func run() {
        DispatchQueue.concurrentPerform(iterations: 2) { side in side == 0 ? first() : second() }
    }
}

/// A line decoded ahead of its fold: its place, its bytes (the chunk's, still held), what
/// decoding gave, and whether its words were skipped.
private struct AheadLine {
    var number: Int
    var line: UnsafeBufferPointer<UInt8>
    var place: TranscriptStream.LinePlace
    /// Nil once the fold has taken it.
    var result: Result<TranscriptEntry, any Error>?
    var skipped: Bool
}
