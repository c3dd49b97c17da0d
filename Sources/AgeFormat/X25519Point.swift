import Crypto

/// Checks on a 32-byte X25519 public value (a Montgomery u-coordinate, little-endian) that age
/// recipients must pass. No curve arithmetic here: the low-order test asks swift-crypto for a
/// scalar multiplication and looks at the result.
enum X25519Point {
    /// A fixed scalar for the low-order test. X25519 clamps every scalar to a multiple of 8, so
    /// a point of order 1, 2, 4 or 8 (on the curve or its twist) always multiplies to zero, and
    /// a point of large order never does for a scalar that is not a multiple of that order.
    private static let testScalar = try! Curve25519.KeyAgreement.PrivateKey(
        rawRepresentation: Array(SHA256.hash(data: Array("keysync X25519 low-order test scalar".utf8))))

    /// Whether `u` is a low-order point: every shared secret with it is the all-zero value, so a
    /// wrap key derived from it would depend on public values only. age refuses such recipients
    /// ("low order point") when it encrypts.
    static func isLowOrder(_ u: [UInt8]) -> Bool {
        guard u.count == 32, let point = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: u) else {
            return true
        }
        guard let secret = try? testScalar.sharedSecretFromKeyAgreement(with: point) else { return true }
        return isAllZero(secret)
    }

    /// Whether `u` is the canonical encoding: below p = 2^255 - 19, top bit clear. Every public
    /// key X25519 computes is canonical; other encodings name the same point as a canonical one
    /// (or, with the top bit set, a point the encoding does not show), so no key generator makes them.
    static func isCanonical(_ u: [UInt8]) -> Bool {
        guard u.count == 32 else { return false }
        if u[31] & 0x80 != 0 { return false }
        // u ≥ p exactly when u is p…2^255-1: 0x7f, thirty 0xff, then a low byte ≥ 0xed.
        let atLeastP = u[31] == 0x7f && u[1..<31].allSatisfy { $0 == 0xff } && u[0] >= 0xed
        return !atLeastP
    }

    /// Whether an X25519 shared secret is the all-zero value, which the age spec says to refuse.
    static func isAllZero(_ secret: SharedSecret) -> Bool {
        secret.withUnsafeBytes { bytes in bytes.allSatisfy { $0 == 0 } }
    }
}
