import Crypto

/// The SHA-256 of a key as four machine words: the dictionary key of `KeyVerifier`.
///
/// Why not the hex string the state stores: hashing and comparing 32 bytes in registers needs no
/// allocation and no text. Why not `SHA256Digest`: it cannot be built from the state's stored
/// bytes. Equality is constant-time — the four XORs are OR-ed together and tested once, with no
/// early exit — because the digest is derived from a secret (the presented key).
struct KeyDigest: Hashable, Sendable {
    private var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    init(_ digest: SHA256Digest) {
        (w0, w1, w2, w3) = digest.withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    /// From the state's `sha256:<64 lowercase hex>`, which `KeyHash` guarantees.
    init(_ hash: KeyHash) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var index = 0
        var high = true
        for char in hash.rawValue.utf8.dropFirst(7) {
            let nibble = char <= UInt8(ascii: "9") ? char - UInt8(ascii: "0") : char - UInt8(ascii: "a") + 10
            if high { bytes[index] = nibble << 4 } else { bytes[index] |= nibble; index += 1 }
            high.toggle()
        }
        (w0, w1, w2, w3) = bytes.withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    static func == (lhs: KeyDigest, rhs: KeyDigest) -> Bool {
        ((lhs.w0 ^ rhs.w0) | (lhs.w1 ^ rhs.w1) | (lhs.w2 ^ rhs.w2) | (lhs.w3 ^ rhs.w3)) == 0
    }

    func hash(into hasher: inout Hasher) {
        // One word is enough: digests are uniformly distributed, and SipHash with a per-process
        // seed keeps bucket positions from saying anything useful about the digest.
        hasher.combine(w0)
    }
}
