#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A temporary file that columns of fixed-size values are written to when they would
/// otherwise grow with the transcript: what lets a postmortem of any length hold the same
/// memory. It is made in `$TMPDIR` (else `/var/tmp`, which is on disk where `/tmp` is often a
/// `tmpfs`, whose pages are memory; else `/tmp`), unlinked at once (readable by this process
/// alone, gone when it exits, even on a crash), and each page written is read back as it is
/// looked at.
///
/// A page that cannot be written (a full or read-only disk) is held instead: the columns then
/// hold what they would have spilled, as they do with no spill file at all. Nothing is lost.
final class SpillFile: Sendable {
    private let fd: Int32
    private let end: Mutex<Int64>
    /// A column's page is `1 << pageShift` values.
    let pageShift: Int

    /// A new, already unlinked file in the temporary folder; nil when none can be made there.
    /// - Parameters:
    ///   - folder: where (`temporaryFolder`).
    ///   - pageShift: a column's page is `1 << pageShift` values (4,096 by default; tests make
    ///     them small, to spill a short transcript).
    init?(in folder: String = SpillFile.temporaryFolder, pageShift: Int = 12) {
        self.pageShift = pageShift
        var folder = folder
        while folder.count > 1, folder.hasSuffix("/") { folder.removeLast() }
        #if os(Linux)
        // Never named at all, where the file system allows (`O_TMPFILE`, which the C module
        // does not export: `__O_TMPFILE | O_DIRECTORY`).
        var fd = open(folder, 0o20000000 | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0o600)
        #else
        var fd: Int32 = -1
        #endif
        if fd < 0 {
            var template = Array("\(folder)/warroom-spill-XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd >= 0 {
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        guard fd >= 0 else { return nil }
        self.fd = fd
        capacity = nil
        end = Mutex(0)
    }

    /// Bytes past which writes are refused, as a full disk would (tests).
    private let capacity: Int64?

    /// A spill file on an open descriptor, which it closes.
    /// - Parameters:
    ///   - capacity: refuse what would be written past this many bytes, as a disk that fills
    ///     up part-way would (tests).
    init(descriptor: Int32, pageShift: Int, capacity: Int64? = nil) {
        fd = descriptor
        self.pageShift = pageShift
        self.capacity = capacity
        end = Mutex(0)
    }

    deinit { close(fd) }

    /// Writes `bytes` at the end of the file; returns where, nil when they could not all be
    /// written.
    func append(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        end.withLock { end -> Int64? in
            if let capacity, end + Int64(bytes.count) > capacity { return nil }
            var done = 0
            while done < bytes.count {
                let wrote = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(end) + off_t(done))
                if wrote < 0, errno == EINTR { continue }
                guard wrote > 0 else { return nil }
                done += wrote
            }
            defer { end += Int64(bytes.count) }
            return end
        }
    }

    /// Reads `bytes.count` bytes from `offset`; false when the file gave fewer.
    func read(into bytes: UnsafeMutableRawBufferPointer, from offset: Int64) -> Bool {
        var done = 0
        while done < bytes.count {
            let got = pread(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return false }
            done += got
        }
        return true
    }

    /// The bytes written so far.
    var size: Int64 { end.withLock { $0 } }

    /// Where temporary files go: `$TMPDIR`, else `/var/tmp` when it can be written, else `/tmp`.
    static var temporaryFolder: String {
        if let folder = getenv("TMPDIR"), folder[0] != 0 { return String(cString: folder) }
        return access("/var/tmp", W_OK | X_OK) == 0 ? "/var/tmp" : "/tmp"
    }
}


/// An append-only column of fixed-size values (seqs, times, places, probe readings) that,
/// given a `SpillFile`, writes each full page there and holds the page being filled, the page
/// last read back, and for each page written its place and first value (one in 4,096). Without
/// a file (a short transcript) it is an array; after a page the disk refused, it holds the
/// rest.
///
/// Reading is fastest in order: a page read back stays until another is asked for. Copies share
/// the pages written; each appends on its own.
struct SpillColumn<Element: BitwiseCopyable>: RandomAccessCollection, Sendable where Element: Sendable {
    /// The values not written to the file: the last, partial page (all of them without a file).
    private var tail: [Element] = []
    /// Where each page written begins in the file, in order.
    private var pages: [Int64] = []
    /// The first value of each page written, so that a search reads one page.
    private var firsts: [Element] = []
    private let file: SpillFile?
    private let cache: PageCache
    /// Values per page: a power of two, so a position splits into page and slot by shifting.
    private let pageShift: Int

    /// An empty column that spills to `file`, or holds everything when it is nil.
    init(spillingTo file: SpillFile?) {
        self.file = file
        pageShift = file?.pageShift ?? 62
        cache = PageCache()
    }

    var startIndex: Int { 0 }
    var endIndex: Int { (pages.count << pageShift) + tail.count }

    /// The file this column spills to, for the columns made from it.
    var spillFile: SpillFile? { file }

    subscript(position: Int) -> Element {
        let written = pages.count << pageShift
        if position >= written { return tail[position - written] }
        return cache.element(position & ((1 << pageShift) - 1), page: pages[position >> pageShift], count: 1 << pageShift, file: file)
    }

    mutating func append(_ value: Element) {
        tail.append(value)
        guard let file, tail.count == 1 << pageShift else { return }
        let offset = tail.withUnsafeBytes { file.append($0) }
        // A page the disk refused stays in the tail, which then grows past a page and is
        // never written: the column holds everything from there on, the pages written stay
        // readable, and no append tries the disk again.
        guard let offset else { return }
        pages.append(offset)
        firsts.append(tail[0])
        tail.removeAll(keepingCapacity: true)
    }

    /// The first position whose value `isAtOrPast` accepts, `count` when none does; the
    /// values must be in order of it (all it refuses, then all it accepts). A binary search
    /// that reads at most one page back.
    func partitioningIndex(where isAtOrPast: (Element) -> Bool) -> Int {
        var low = 0
        var high = firsts.count
        while low < high {
            let mid = (low + high) / 2
            if isAtOrPast(firsts[mid]) { high = mid } else { low = mid + 1 }
        }
        // Page `low - 1` begins before the answer; page `low`, if any, at or past it.
        if !firsts.isEmpty, low == 0 { return 0 }
        var start = low == 0 ? 0 : (low - 1) << pageShift
        var end = low < firsts.count ? low << pageShift : count
        while start < end {
            let mid = (start + end) / 2
            if isAtOrPast(self[mid]) { end = mid } else { start = mid + 1 }
        }
        return start
    }

    /// Appends several values.
    mutating func append(contentsOf values: some Sequence<Element>) {
        for value in values { append(value) }
    }

    /// The page last read back, shared by the copies of a column.
    private final class PageCache: Sendable {
        private let state = Mutex<(offset: Int64, values: [Element])>((-1, []))

        func element(_ slot: Int, page offset: Int64, count pageCount: Int, file: SpillFile?) -> Element {
            state.withLock { state -> Element in
                if state.offset != offset {
                    var values = [Element](unsafeUninitializedCapacity: pageCount) { buffer, count in
                        let read = file?.read(into: UnsafeMutableRawBufferPointer(buffer), from: offset) ?? false
                        // A page that cannot be read back is a broken temporary folder, not a
                        // transcript problem; it cannot be told apart from data by the caller.
                        precondition(read, "the spill file could not be read back")
                        count = pageCount
                    }
                    swap(&state.values, &values)
                    state.offset = offset
                }
                return state.values[slot]
            }
        }
    }
}
