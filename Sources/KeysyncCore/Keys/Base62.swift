/// The base62 alphabet of key material: digits, then upper case, then lower case (ASCII order).
///
/// Base62 rather than base64 so that a key is one "word" for editors, terminals and secret
/// scanners (no `+`, `/`, `=` or `-`); the order is fixed forever because checksums of keys
/// already issued depend on it.
public enum Base62 {
    /// `0-9A-Za-z`, 62 ASCII bytes in ascending order.
    public static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Whether `byte` is one of the 62 characters.
    public static func contains(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    /// `count` characters drawn independently and uniformly from the alphabet.
    ///
    /// Uses rejection sampling on single bytes: a byte is kept only when it is below 248
    /// (4 × 62), so `byte % 62` is exactly uniform; about 3% of bytes are thrown away.
    /// Each `next()` yields eight bytes, consumed from the least significant, so the output is a
    /// pure function of the generator's sequence (seeded generators give repeatable keys).
    public static func randomCharacters(
        count: Int, using generator: inout some RandomNumberGenerator
    ) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            var word = generator.next()
            for _ in 0..<8 where result.count < count {
                let byte = UInt8(truncatingIfNeeded: word)
                word >>= 8
                if byte < 248 {
                    result.append(alphabet[Int(byte % 62)])
                }
            }
        }
        return result
    }

    /// `value` in exactly `width` base62 digits, most significant first, padded with `0`.
    ///
    /// Fixed width keeps every key the same length, which the format check relies on.
    /// `width` must be large enough: 6 digits hold any `UInt32` (62⁶ > 2³²).
    public static func encode(_ value: UInt64, width: Int) -> [UInt8] {
        var digits = [UInt8](repeating: alphabet[0], count: width)
        var rest = value
        var index = width - 1
        while index >= 0 {
            digits[index] = alphabet[Int(rest % 62)]
            rest /= 62
            index -= 1
        }
        precondition(rest == 0, "value does not fit in \(width) base62 digits")
        return digits
    }
}
