import Foundation
import Testing
@testable import WarRoomKit

/// Columns that spill to a temporary file read back what was appended, in any order, and hold
/// everything when there is no file.
@Suite struct SpillColumnTests {
    @Test(arguments: [nil, 0, 1, 3, 12])
    func everyValueReadsBackAsAppended(pageShift: Int?) throws {
        let file = try pageShift.map { try #require(SpillFile(pageShift: $0)) }
        var seqs = SpillColumn<Int>(spillingTo: file)
        var times = SpillColumn<Instant>(spillingTo: file)
        let count = 10_000
        for value in 0..<count {
            seqs.append(value * 7)
            times.append(Instant(milliseconds: Int64(value) - 500))
        }
        #expect(seqs.count == count && times.count == count)
        #expect(Array(seqs) == (0..<count).map { $0 * 7 })
        // Backwards and strided, so that pages are read back out of order and again.
        for position in stride(from: count - 1, through: 0, by: -13) {
            #expect(seqs[position] == position * 7 && times[position] == Instant(milliseconds: Int64(position) - 500))
        }
        if let pageShift, let file {
            // Every full page was written; only the last, partial page is held.
            let written = (count >> pageShift) << pageShift
            #expect(file.size == Int64(written * (MemoryLayout<Int>.stride + MemoryLayout<Instant>.stride)))
        }
    }

    @Test func copiesShareWhatWasWrittenAndAppendOnTheirOwn() throws {
        let file = try #require(SpillFile(pageShift: 2))
        var first = SpillColumn<Double>(spillingTo: file)
        first.append(contentsOf: (0..<10).map(Double.init))
        var second = first
        second.append(contentsOf: [100, 101, 102])
        first.append(contentsOf: [-1, -2])
        #expect(Array(first) == (0..<10).map(Double.init) + [-1, -2])
        #expect(Array(second) == (0..<10).map(Double.init) + [100, 101, 102])
    }

    @Test func kindsAndSmallValuesKeepTheirBytes() throws {
        let file = try #require(SpillFile(pageShift: 3))
        var kinds = SpillColumn<EntryKind>(spillingTo: file)
        var lengths = SpillColumn<UInt32>(spillingTo: file)
        let all = (0..<100).map { EntryKind.allCases[$0 % EntryKind.allCases.count] }
        for (index, kind) in all.enumerated() {
            kinds.append(kind)
            lengths.append(UInt32(index) | 1 << 31)
        }
        #expect(Array(kinds) == all)
        #expect(Array(lengths) == (0..<100).map { UInt32($0) | 1 << 31 })
    }

    @Test func aFullDiskLeavesTheValuesHeld() throws {
        let full = open("/dev/full", O_RDWR | O_CLOEXEC)
        try #require(full >= 0)
        let file = SpillFile(descriptor: full, pageShift: 2)
        var column = SpillColumn<Int>(spillingTo: file)
        column.append(contentsOf: 0..<100)
        #expect(Array(column) == Array(0..<100))
        #expect(file.size == 0)
    }

    /// A disk that fills up part-way: the pages written stay readable, and the column holds the
    /// rest, growing past a page.
    @Test func aDiskFullPartWayKeepsWhatWasWrittenAndHoldsTheRest() throws {
        let path = NSTemporaryDirectory() + "warroom-spill-test-\(UUID().uuidString)"
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        try #require(descriptor >= 0)
        unlink(path)
        let file = SpillFile(descriptor: descriptor, pageShift: 2, capacity: 3 * 4 * Int64(MemoryLayout<Int>.stride))
        var column = SpillColumn<Int>(spillingTo: file)
        column.append(contentsOf: 0..<50)
        #expect(file.size == 3 * 4 * Int64(MemoryLayout<Int>.stride))
        #expect(Array(column) == Array(0..<50))
        #expect(column.partitioningIndex { $0 >= 13 } == 13 && column.partitioningIndex { $0 >= 40 } == 40)
    }

    @Test func aFolderThatCannotBeWrittenGivesNoFile() {
        #expect(SpillFile(in: "/nonexistent-\(UUID().uuidString)") == nil)
    }

    @Test(arguments: [nil, 0, 2, 5])
    func aSearchFindsTheFirstValueAtOrPast(pageShift: Int?) throws {
        let file = try pageShift.map { try #require(SpillFile(pageShift: $0)) }
        var seqs = SpillColumn<Int>(spillingTo: file)
        // Rising, with runs of equal values across pages.
        let values = (0..<300).map { $0 / 6 * 18 + ($0 % 7 == 0 ? 1 : 0) }.sorted()
        seqs.append(contentsOf: values)
        for target in -2...905 {
            #expect(seqs.partitioningIndex { $0 >= target } == (values.firstIndex { $0 >= target } ?? values.count), "\(target)")
        }
        #expect(SpillColumn<Int>(spillingTo: file).partitioningIndex { $0 >= 0 } == 0)
    }
}
