/// The UTF-8 byte-order mark some editors put at the start of a file. Every file warroom reads
/// (playbooks, scenarios, transcripts) may start with one; it is skipped, never an error.
public enum ByteOrderMark {
    public static let bytes: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// 3 when `data` starts with the mark, else 0.
    public static func length(of data: some RandomAccessCollection<UInt8>) -> Int {
        var bytes = data.makeIterator()
        return bytes.next() == 0xEF && bytes.next() == 0xBB && bytes.next() == 0xBF ? 3 : 0
    }

    /// 3 when `data` starts with the mark, else 0.
    public static func length(of data: [UInt8]) -> Int {
        data.count >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ? 3 : 0
    }

    /// `data` without a leading mark.
    public static func stripped(_ data: [UInt8]) -> [UInt8] {
        length(of: data) == 0 ? data : Array(data[3...])
    }
}
