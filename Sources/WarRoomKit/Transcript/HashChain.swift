import Crypto

/// The transcript's hash recipe.
///
/// Every line is a JSON object whose last member is `"hash":"<64 lowercase hex>"`. The
/// *content* of a line is the line with that member removed (`…,"hash":"…"}` becomes `…}`).
///
///     hash(1) = SHA-256( "0" × 64 ‖ "\n" ‖ content(1) )
///     hash(n) = SHA-256( hash(n−1) as hex ‖ "\n" ‖ content(n) )
///
/// Because the recipe works on the bytes as written, anyone can check a transcript without
/// re-serializing JSON (README, "Checking a transcript by hand", has a Python version).
public enum HashChain {
    /// The "previous hash" of the first entry.
    public static let genesis = String(repeating: "0", count: 64)
    /// Length of the `,"hash":"…"}` suffix of every line.
    public static let suffixLength = 75

    /// The hash of an entry's content given the previous hash.
    public static func hash(previous: String, content: some Collection<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(previous.utf8))
        hasher.update(data: [0x0A])
        content.withContiguousStorageIfAvailable { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            ?? hasher.update(data: Array(content))
        return hex(hasher.finalize())
    }

    /// The hash over a raw line's content, reusing its bytes without copying.
    static func hash(previous: [UInt8], contentPrefix: UnsafeRawBufferPointer) -> [UInt8] {
        var hex = [UInt8](repeating: 0, count: 64)
        hex.withUnsafeMutableBufferPointer { out in
            previous.withUnsafeBytes { hash(previous: $0, contentPrefix: contentPrefix, into: out) }
        }
        return hex
    }

    /// The hash over a raw line's content, as 64 hex digits written into `hex`: what a reader
    /// checking every line calls, with no array made per line.
    static func hash(previous: UnsafeRawBufferPointer, contentPrefix: UnsafeRawBufferPointer, into hex: UnsafeMutableBufferPointer<UInt8>) {
        var hasher = SHA256()
        hasher.update(bufferPointer: previous)
        withUnsafeBytes(of: UInt8(0x0A)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: contentPrefix)
        withUnsafeBytes(of: UInt8(ascii: "}")) { hasher.update(bufferPointer: $0) }
        let digest = hasher.finalize()
        var index = 0
        digest.withUnsafeBytes { bytes in
            for byte in bytes {
                hex[index] = digits[Int(byte >> 4)]
                hex[index + 1] = digits[Int(byte & 0xF)]
                index += 2
            }
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hexBytes(_ digest: some Sequence<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return out
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        String(decoding: hexBytes(digest), as: UTF8.self)
    }

    /// SHA-256 of a whole file's bytes, as hex (for playbook and scenario fingerprints).
    public static func sha256(_ bytes: some Collection<UInt8>) -> String {
        hex(SHA256.hash(data: Array(bytes)))
    }
}
