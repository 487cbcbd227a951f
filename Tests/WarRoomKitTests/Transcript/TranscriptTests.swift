import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

@Suite struct TranscriptTests {
    static let t0 = Instant.parseISO8601("2023-11-05T03:30:00Z")!

    func writeSample(_ folder: TemporaryFolder, count: Int = 5) throws -> String {
        let path = folder.file("t.jsonl")
        let writer = try TranscriptWriter.create(path: path)
        try writer.append(TranscriptEntry(seq: 0, at: Self.t0, wall: Self.t0, by: "alice", kind: .open, text: "open", data: ["incident": "x"]))
        for index in 1..<count {
            try writer.append(TranscriptEntry(seq: 0, at: Self.t0 + Int64(index * 1000), wall: Self.t0, by: "alice", kind: .note, text: "note \(index) \u{1B}[31m\u{0}"))
        }
        writer.close()
        return path
    }

    @Test func writesReadsAndVerifies() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try writeSample(folder)
        let log = try TranscriptLog.read(path: path)
        #expect(log.entries.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(log.entries[1].text == "note 1 \u{1B}[31m\u{0}")
        let report = TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path))
        #expect(report.isValid)
        #expect(report.goodEntries == 5)
        #expect(report.finalHash == log.entries.last?.hash)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    /// A large transcript is decoded in slices side by side; what it gives must be what one
    /// line after another gives: the same entries in order, the same bad lines, the same first
    /// error, the same torn tail.
    @Test func aLargeTranscriptDecodesInSlicesExactlyAsLineByLine() throws {
        var bytes = Array(ByteOrderMark.bytes)
        var previous = HashChain.genesis
        let count = DecodedSlice.parallelThreshold * 3
        for seq in 1...count {
            let draft = TranscriptEntry(seq: 0, at: Self.t0 + Int64(seq), wall: Self.t0, by: "alice", kind: seq == 1 ? .open : .note,
                                        text: "note \(seq)", data: seq == 1 ? ["incident": "x"] : [:])
            let (entry, line) = draft.chained(seq: seq, after: previous)
            previous = entry.hash
            bytes.append(contentsOf: line)  // with its newline
        }
        let whole = try TranscriptLog.decode(bytes: bytes, path: "t.jsonl")
        #expect(whole.entries.map(\.seq) == Array(1...count))
        #expect(whole.entries.last?.hash == previous && whole.torn == nil && whole.badLines.isEmpty)

        // Two bad lines in different slices and a torn tail.
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let bad = [count / 2, count - 10]
        for index in bad { lines[index] = Array("{\"seq\":oops".utf8) }
        var damaged = Array(lines.dropLast().joined(separator: [0x0A])) + [0x0A]
        damaged.append(contentsOf: "{\"seq\":".utf8)
        let lenient = try TranscriptLog.decode(bytes: damaged, path: "t.jsonl", lenient: true)
        #expect(lenient.badLines.map(\.line) == bad.map { $0 + 1 })
        #expect(lenient.entries.count == count - 2)
        #expect(lenient.entries.map(\.seq) == Array(1...count).filter { !bad.map { $0 + 1 }.contains($0) })
        #expect(lenient.torn?.line == count + 1)
        // Each slice decodes into its place in the one array, the gaps closed: entry for entry
        // what one thread decoding line after line gives.
        let oneByOne = damaged.withUnsafeBufferPointer { buffer in
            let lines = LineSpans(buffer, skippingMark: true)
            return DecodedSlice.decode(lines, 0..<lines.ends.count, in: buffer)
        }
        #expect(lenient.entries == oneByOne.entries && lenient.badLines.map(\.line) == oneByOne.errors.map(\.line))
        #expect(TranscriptLog.decodeLines(Array(damaged[ByteOrderMark.bytes.count...])).entries == oneByOne.entries)
        #expect(throws: TranscriptError.corrupt(path: "t.jsonl", line: bad[0] + 1, reason: lenient.badLines[0].reason)) {
            try TranscriptLog.decode(bytes: damaged, path: "t.jsonl")
        }
    }

    @Test func verifyNamesTheFirstBadSeqForEachTampering() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try writeSample(folder)
        let good = try TranscriptLog.readBytes(path: path)
        var lines = good.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        lines.removeLast()
        func join(_ lines: [[UInt8]]) -> [UInt8] { lines.flatMap { $0 + [0x0A] } }

        var changed = lines
        let text = String(decoding: changed[2], as: UTF8.self).replacingOccurrences(of: "note 2", with: "note 7")
        changed[2] = Array(text.utf8)
        #expect(TranscriptVerifier.verify(bytes: join(changed)).problem?.seq == 3)

        var removed = lines
        removed.remove(at: 1)
        #expect(TranscriptVerifier.verify(bytes: join(removed)).problem?.line == 2)

        var swapped = lines
        swapped.swapAt(2, 3)
        let swapProblem = TranscriptVerifier.verify(bytes: join(swapped)).problem
        #expect(swapProblem?.line == 3)

        var torn = join(lines)
        torn.append(contentsOf: Array(#"{"seq":6,"at":"#.utf8))
        let tornProblem = TranscriptVerifier.verify(bytes: torn).problem
        #expect(tornProblem?.seq == 6)
        #expect(tornProblem?.reason.contains("torn") == true)
    }

    @Test func resumeSetsATornLineAsideAndContinuesTheChain() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try writeSample(folder, count: 3)
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"seq":4,"at":"2023-11-05T03:"#.utf8))
        handle.closeFile()
        let (writer, log) = try TranscriptWriter.resume(path: path)
        #expect(log.entries.count == 3)
        #expect(log.torn?.line == 4)
        try writer.append(TranscriptEntry(seq: 0, at: Self.t0, wall: Self.t0, by: "bob", kind: .resume, text: "resumed"))
        writer.close()
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).goodEntries == 4)
        #expect(FileManager.default.fileExists(atPath: "\(path).torn-4"))
    }

    /// Reading to continue: a torn last line is a crash's mark only when every whole line
    /// decodes; beside a line that chains but is no entry, it is the chain's problem that is told.
    @Test func aTornLineBesideALineThatIsNoEntryIsTheChainsProblem() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try writeSample(folder, count: 1)
        let head = try #require(TranscriptLog.read(path: path).entries.last?.hash)
        let content = #"{"seq":2,"at":"2023-11-05T03:30:00.000Z","wall":"2023-11-05T03:30:00.000Z","by":5,"kind":"note","text":"x"}"#
        let hash = HashChain.hash(previous: head, content: Array(content.utf8))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data((String(content.dropLast(1)) + #","hash":"\#(hash)"}"# + "\n" + #"{"seq":3,"at""#).utf8))
        handle.closeFile()
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).problem?.line == 3)
        #expect {
            try TranscriptWriter.openVerified(path: path, acceptingBrokenChain: false) { _ in }
        } throws: { error in
            guard case .brokenChain(_, let seq, let reason) = error as? TranscriptError else { return false }
            return seq == 3 && reason.contains("torn")
        }
        // Accepted, the torn line is set aside and the line that is no entry skipped.
        let (writer, read, problem) = try TranscriptWriter.openVerified(path: path, acceptingBrokenChain: true) { _ in }
        writer.close()
        #expect(read.entryCount == 1 && read.badLines.map(\.line) == [2] && problem == nil)
    }

    @Test func aSecondWriterIsRefusedWithTheHoldersPid() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try writeSample(folder, count: 2)
        let (first, _) = try TranscriptWriter.resume(path: path)
        defer { first.close() }
        // A second writer in another process: the binary.
        let result = try WarRoomBinary.run(["resume", path], input: "quit\n")
        #expect(result.status == 74)
        #expect(result.stderr.contains("is open in process \(getpid())"))
    }

    @Test func missingAndReadOnlyFoldersAreRefused() throws {
        #expect(throws: TranscriptError.folderMissing(path: "/nonexistent-warroom")) {
            try TranscriptWriter.create(path: "/nonexistent-warroom/t.jsonl")
        }
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        chmod(folder.path, 0o500)
        defer { chmod(folder.path, 0o700) }
        if getuid() == 0 { return }  // root writes anywhere; the end-to-end test covers a read-only mount instead
        #expect(throws: TranscriptError.self) { try TranscriptWriter.create(path: folder.file("t.jsonl")) }
    }

    @Test func decodeRejectsLinesThatAreNotEntries() {
        #expect(throws: TranscriptLineError.self) { try TranscriptEntry.decode(line: Array("{\"seq\":1}".utf8), number: 1) }
        #expect(throws: TranscriptLineError.self) { try TranscriptEntry.decode(line: Array("\u{0}\u{1}garbage".utf8), number: 1) }
    }
}
