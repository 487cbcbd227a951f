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
        var previous = Array(HashChain.genesis.utf8)
        var good = 0
        let hashKey = Array(",\"hash\":\"".utf8)
        return bytes.withUnsafeBufferPointer { buffer -> VerifyReport in
            func report(_ line: Int, _ seq: Int?, _ reason: String) -> VerifyReport {
                VerifyReport(goodEntries: good, finalHash: String(decoding: previous, as: UTF8.self),
                             problem: VerifyProblem(line: line, seq: seq ?? line, reason: reason))
            }
            if buffer.count == ByteOrderMark.length(of: bytes) { return report(1, 1, "the file is empty") }
            var problem: VerifyReport?
            let ending = TranscriptLines.scan(buffer) { lineNumber, line, _ in
                let expected = lineNumber
                let seq = leadingSeq(line)
                guard line.count > HashChain.suffixLength + 1,
                    hashKey.elementsEqual(line[(line.count - 75)..<(line.count - 66)]),
                    line[line.count - 2] == UInt8(ascii: "\""), line[line.count - 1] == UInt8(ascii: "}")
                else {
                    problem = report(lineNumber, seq ?? expected, "no \"hash\" member at the end of the line")
                    return false
                }
                guard seq == expected else {
                    problem = report(lineNumber, seq ?? expected, seq == nil ? "the line does not start with a seq" : "seq \(seq!) where \(expected) was expected (a line was removed, added or moved)")
                    return false
                }
                let content = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(line)[0..<(line.count - 75)])
                let computed = HashChain.hash(previous: previous, contentPrefix: content)
                let stored = line[(line.count - 66)..<(line.count - 2)]
                guard computed.elementsEqual(stored) else {
                    problem = report(lineNumber, expected, "hash mismatch: the entry or one before it was changed")
                    return false
                }
                previous = computed
                good += 1
                return true
            }
            if let problem { return problem }
            if let tornStart = ending.tornStart {
                return report(ending.lines + 1, ending.lines + 1, "torn last line (\(buffer.count - tornStart) bytes with no newline): the writer stopped mid-line; 'warroom resume' sets it aside")
            }
            return VerifyReport(goodEntries: good, finalHash: String(decoding: previous, as: UTF8.self), problem: nil)
        }
    }

    /// The integer after a leading `{"seq":`, if the line starts that way.
    static func leadingSeq(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        let prefix = Array("{\"seq\":".utf8)
        guard line.count > prefix.count, prefix.elementsEqual(line[0..<prefix.count]) else { return nil }
        var value = 0
        var index = prefix.count
        while index < line.count, line[index] >= 48, line[index] <= 57, index < prefix.count + 15 {
            value = value * 10 + Int(line[index] - 48)
            index += 1
        }
        return index > prefix.count ? value : nil
    }
}
