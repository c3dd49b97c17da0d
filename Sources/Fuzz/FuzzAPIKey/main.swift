// @testable needs a module built for testing, which SwiftPM does in debug builds only; a
// release build (swift build -c release) gets a stub that says so.
#if DEBUG
import FuzzSupport
@testable import KeysyncCore
@testable import Reconciler

/// Randomness taken from the fuzzer's input, so libFuzzer steers the body of a real minted key
/// (a valid checksum is out of reach of blind mutation); zeros once the bytes run out.
struct InputGenerator: RandomNumberGenerator {
    var bytes: ArraySlice<UInt8>
    mutating func next() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(bytes.popFirst() ?? 0) }
        return value
    }
}

/// `APIKey(parsing:prefix:)` (the reference, which says why) against `APIKey.isWellFormed` (the
/// allocation-free yes/no of the verify hot path): they must agree on every input.
///
/// Byte 0 picks the mode. Even: byte 1 is the prefix length (mod 17), then the prefix, then the
/// presented text. Odd: byte 1 is a length n; a key with the prefix "thig" is minted from the
/// next n bytes as randomness, then (position, byte) pairs from the rest overwrite, insert or
/// cut characters.
func fuzzAPIKey(_ bytes: [UInt8]) {
    guard let mode = bytes.first else { return }
    var prefix = "thig"
    var presented: [UInt8]
    if mode & 1 == 0 {
        guard bytes.count >= 2 else { return }
        let length = Int(bytes[1] % 17)
        guard bytes.count >= 2 + length else { return }
        prefix = String(decoding: bytes[2..<(2 + length)], as: UTF8.self)
        presented = Array(bytes[(2 + length)...])
    } else {
        guard bytes.count >= 2 else { return }
        let randomEnd = min(bytes.count, 2 + Int(bytes[1]))
        var generator = InputGenerator(bytes: bytes[2..<randomEnd])
        presented = Array(try! APIKey.mint(prefix: prefix, using: &generator).reveal().utf8)
        var index = randomEnd
        while index + 1 < bytes.count {
            let position = Int(bytes[index]) % (presented.count + 1)
            let value = bytes[index + 1]
            switch value % 3 {
            case 0 where position < presented.count: presented[position] = value
            case 1: presented.insert(value, at: position)
            default: if position < presented.count { presented.remove(at: position) }
            }
            index += 2
        }
    }
    guard APIKey.isValidPrefix(prefix) else { return }
    // The verifier is handed a String: judge exactly its UTF-8, as both paths would see it.
    let text = String(decoding: presented, as: UTF8.self)
    let parsed = (try? APIKey(parsing: text, prefix: prefix)) != nil
    let fast = Array(text.utf8).withUnsafeBufferPointer { key in
        Array(prefix.utf8).withUnsafeBufferPointer { APIKey.isWellFormed(key, prefix: $0) }
    }
    precondition(parsed == fast, "init(parsing:) says \(parsed), isWellFormed says \(fast)")
    if parsed { precondition(try! APIKey(parsing: text, prefix: prefix).reveal() == text) }
}

FuzzMain.run(fuzzAPIKey)
#else
import FuzzSupport

FuzzMain.debugBuildOnly()
#endif
