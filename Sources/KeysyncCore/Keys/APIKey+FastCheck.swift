
extension APIKey {
    /// The same decision as `init(parsing:prefix:)` — exact length, `prefix`, `_`, base62 tail,
    /// CRC32 checksum — on borrowed UTF-8 bytes, without allocating: the hot path of
    /// `KeyVerifier`. It answers only yes or no; callers that need to say *why* a key was
    /// refused ask `init(parsing:prefix:)`, which must agree with it (tested).
    static func isWellFormed(_ bytes: UnsafeBufferPointer<UInt8>, prefix: UnsafeBufferPointer<UInt8>) -> Bool {
        let head = prefix.count
        guard bytes.count == head + 1 + bodyLength + checksumLength, let base = bytes.baseAddress,
              let prefixBase = prefix.baseAddress
        else { return false }
        var index = 0
        while index < head {
            if base[index] != prefixBase[index] { return false }
            index += 1
        }
        guard base[head] == UInt8(ascii: "_") else { return false }
        return Base62.digitValues.withUnsafeBufferPointer { values -> Bool in
            index = head + 1
            while index < bytes.count {
                if values[Int(base[index])] == Base62.notADigit { return false }
                index += 1
            }
            let checked = bytes.count - checksumLength
            let crc = UInt64(CRC32.checksum(UnsafeBufferPointer(start: base, count: checked)))
            var value: UInt64 = 0
            index = checked
            while index < bytes.count {
                value = value * 62 + UInt64(values[Int(base[index])])
                index += 1
            }
            return value == crc
        }
    }
}

extension Base62 {
    /// Marks a byte outside the alphabet in `digitValues`.
    static let notADigit: UInt8 = 0xFF

    /// Every byte's digit value (0–61), or `notADigit`: one load per byte on the hot path,
    /// where three range checks and a second pass for the checksum digits cost more.
    static let digitValues: [UInt8] = (0...255).map { byte in
        alphabet.firstIndex(of: UInt8(byte)).map(UInt8.init) ?? notADigit
    }
}
