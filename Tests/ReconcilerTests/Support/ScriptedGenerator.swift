@_exported import TestSupport

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
