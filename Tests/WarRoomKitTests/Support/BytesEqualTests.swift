import Testing
import WarRoomKit

/// Bytes compared with `memcmp` where the other side is contiguous, element by element where not.
@Suite struct BytesEqualTests {
    @Test func contiguousAndNotCompareAsElementsDo() {
        let line = Array("{\"seq\":12,\"hash\":\"ab\"}".utf8)
        line.withUnsafeBufferPointer { bytes in
            let head = UnsafeBufferPointer(rebasing: bytes[0..<7])
            #expect(head.bytesEqual(Array("{\"seq\":".utf8)))
            #expect(head.bytesEqual("{\"seq\":".utf8))
            #expect(head.bytesEqual(line[0..<7]))
            #expect(head.bytesEqual(Array("{\"seq\":".utf8).lazy.map { $0 }))
            #expect(!head.bytesEqual(Array("{\"seq\"!".utf8)))
            #expect(!head.bytesEqual(Array("{\"seq\"!".utf8).lazy.map { $0 }))
            #expect(!head.bytesEqual(Array("{\"seq\"".utf8)))
            #expect(UnsafeBufferPointer(rebasing: bytes[0..<0]).bytesEqual([UInt8]()))
            #expect(!UnsafeBufferPointer(rebasing: bytes[0..<0]).bytesEqual([UInt8(0)]))
        }
    }
}
