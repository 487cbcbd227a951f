extension String {
    /// Calls `body` with the string's UTF-8 as one buffer (made contiguous first in the rare case
    /// it is not): the per-byte checks of text shown on every row walk memory, not the
    /// `UTF8View`'s indices.
    @inline(__always)
    func withUTF8Buffer<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        var copy = self
        return try copy.withUTF8(body)
    }
}
