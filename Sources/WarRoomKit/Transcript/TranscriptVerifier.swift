/// The outcome of checking a transcript's hash chain.
public struct VerifyReport: Sendable, Equatable {
    /// Whole lines checked and found good before the first problem (or all of them).
    public var goodEntries: Int
    /// The chain's head: the last good entry's hash.
    public var finalHash: String
    /// The first problem, if any.
    public var problem: VerifyProblem?
    public var isValid: Bool { problem == nil }
}

/// Where a transcript first goes wrong.
public struct VerifyProblem: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// The `seq` that is bad: the line's own `seq` when readable, else the expected one.
    public var seq: Int
    public var reason: String

    public init(line: Int, seq: Int, reason: String) {
        self.line = line
        self.seq = seq
        self.reason = reason
    }

    public var description: String { "seq \(seq) (line \(line)): \(reason)" }
}

/// Checks the hash chain on the raw bytes, without decoding JSON, so it runs at hashing speed.
public enum TranscriptVerifier {
    /// Verifies transcript bytes.
    /// - Returns: a report naming the first bad `seq`, if any.
    public static func verify(bytes: [UInt8]) -> VerifyReport {
        var chain = ChainCheck()
        return bytes.withUnsafeBufferPointer { buffer -> VerifyReport in
            if buffer.count == ByteOrderMark.length(of: bytes) { return chain.report(problem: VerifyProblem(line: 1, seq: 1, reason: "the file is empty")) }
            var problem: VerifyProblem?
            let ending = TranscriptLines.scan(buffer) { number, line, _ in
                problem = chain.check(line, number: number)
                return problem == nil
            }
            if let problem { return chain.report(problem: problem) }
            if let tornStart = ending.tornStart { return chain.report(problem: ChainCheck.torn(line: ending.lines + 1, bytes: buffer.count - tornStart)) }
            return chain.report(problem: nil)
        }
    }

    /// Verifies a file chunk by chunk, holding one chunk of it at a time.
    /// - Returns: a report naming the first bad `seq`, if any.
    /// - Throws: `TranscriptError.unreadable`.
    public static func verify(path: String) throws -> VerifyReport {
        var chain = ChainCheck()
        var problem: VerifyProblem?
        let tail = try TranscriptChunks.read(path: path) { chunk in
            chunk.forEachLine { number, line, _ in
                problem = chain.check(line, number: number)
                return problem == nil
            }
        }
        if let problem { return chain.report(problem: problem) }
        if tail.byteCount == (tail.marked ? 3 : 0) { return chain.report(problem: VerifyProblem(line: 1, seq: 1, reason: "the file is empty")) }
        if let torn = tail.torn { return chain.report(problem: ChainCheck.torn(line: torn.line, bytes: torn.bytes.count)) }
        return chain.report(problem: nil)
    }

    private static let seqPrefix = Array("{\"seq\":".utf8)

    /// The integer after a leading `{"seq":`, if the line starts that way.
    static func leadingSeq(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        let prefix = seqPrefix
        guard line.count > prefix.count, UnsafeBufferPointer(rebasing: line[0..<prefix.count]).bytesEqual(prefix) else { return nil }
        var value = 0
        var index = prefix.count
        while index < line.count, line[index] >= 48, line[index] <= 57, index < prefix.count + 15 {
            value = value * 10 + Int(line[index] - 48)
            index += 1
        }
        return index > prefix.count ? value : nil
    }
}

/// The hash chain checked one line at a time, in order: what `TranscriptVerifier` and every
/// streaming reader run on each line's raw bytes.
struct ChainCheck {
    /// The last good line's hash, as hex.
    private(set) var previous = Array(HashChain.genesis.utf8)
    /// Whole lines checked and found good.
    private(set) var good = 0
    private static let hashKey = Array(",\"hash\":\"".utf8)

    /// Checks line `number` (1-based), which must follow the lines checked so far.
    /// - Returns: the line's problem, or nil when it is good (it is then the chain's head).
    mutating func check(_ line: UnsafeBufferPointer<UInt8>, number: Int) -> VerifyProblem? {
        let seq = TranscriptVerifier.leadingSeq(line)
        guard line.count > HashChain.suffixLength + 1,
            UnsafeBufferPointer(rebasing: line[(line.count - 75)..<(line.count - 66)]).bytesEqual(Self.hashKey),
            line[line.count - 2] == UInt8(ascii: "\""), line[line.count - 1] == UInt8(ascii: "}")
        else {
            return VerifyProblem(line: number, seq: seq ?? number, reason: "no \"hash\" member at the end of the line")
        }
        guard seq == number else {
            return VerifyProblem(line: number, seq: seq ?? number, reason: seq == nil ? "the line does not start with a seq" : "seq \(seq!) where \(number) was expected (a line was removed, added or moved)")
        }
        let content = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(line)[0..<(line.count - 75)])
        let stored = UnsafeBufferPointer(rebasing: line[(line.count - 66)..<(line.count - 2)])
        let matches = previous.withUnsafeMutableBufferPointer { head in
            // The new hash is written over the previous one once it has been read.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { computed in
                HashChain.hash(previous: UnsafeRawBufferPointer(head), contentPrefix: content, into: computed)
                guard UnsafeBufferPointer(computed).bytesEqual(stored) else { return false }
                _ = head.update(fromContentsOf: computed)
                return true
            }
        }
        guard matches else {
            return VerifyProblem(line: number, seq: number, reason: "hash mismatch: the entry or one before it was changed")
        }
        good += 1
        return nil
    }

    /// The report once checking has stopped, at `problem` or at the end.
    func report(problem: VerifyProblem?) -> VerifyReport {
        VerifyReport(goodEntries: good, finalHash: String(decoding: previous, as: UTF8.self), problem: problem)
    }

    /// The problem of a torn last line of `bytes` bytes.
    static func torn(line: Int, bytes: Int) -> VerifyProblem {
        VerifyProblem(line: line, seq: line, reason: "torn last line (\(bytes) bytes with no newline): the writer stopped mid-line; 'warroom resume' sets it aside")
    }
}
