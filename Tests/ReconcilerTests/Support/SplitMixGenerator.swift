/// A seeded generator (SplitMix64) so tests get the same keys and ids on every run.
/// Not for production: keys there come from `SystemRandomNumberGenerator`.
struct SplitMixGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Replays fixed 64-bit words, to pin down exactly which bytes the samplers keep or reject.
struct ScriptedGenerator: RandomNumberGenerator {
    private var words: [UInt64]
    private var index = 0

    init(_ words: [UInt64]) { self.words = words }

    mutating func next() -> UInt64 {
        precondition(index < words.count, "scripted generator ran out of words")
        defer { index += 1 }
        return words[index]
    }
}
