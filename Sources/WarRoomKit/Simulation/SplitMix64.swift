/// Steele, Lea and Flood's SplitMix64: a small, fast generator whose whole state is one
/// `UInt64`, so a simulation's randomness is fixed by its seed on every platform (the system
/// generator is neither seedable nor stable across releases).
public struct SplitMix64: Sendable, Equatable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// A uniform number in (0, 1), never exactly 0 or 1.
    public mutating func unit() -> Double {
        SplitMix64.unit(next())
    }

    /// A standard normal number: the sum of four 16-bit uniforms from one draw, rescaled
    /// (Irwin–Hall; cheap and bounded, enough for noise).
    public mutating func normal() -> Double {
        let bits = next()
        let sum = Double(bits & 0xFFFF) + Double((bits >> 16) & 0xFFFF) + Double((bits >> 32) & 0xFFFF) + Double(bits >> 48)
        return (sum / 65536 - 2) * 1.7320508075688772
    }

    /// SplitMix64's finalizer: a bijective scramble of 64 bits, used as a stable hash.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Maps 64 random bits to (0, 1).
    @inline(__always)
    public static func unit(_ bits: UInt64) -> Double {
        (Double(bits >> 11) + 0.5) * 0x1.0p-53
    }

    /// FNV-1a of a string's UTF-8 bytes: a stable name hash (Swift's `Hasher` is seeded per process).
    public static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
