
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
        index = head + 1
        while index < bytes.count {
            if !Base62.contains(base[index]) { return false }
            index += 1
        }
        let checked = bytes.count - checksumLength
        let crc = UInt64(CRC32.checksum(UnsafeBufferPointer(start: base, count: checked)))
        var value: UInt64 = 0
        index = checked
        while index < bytes.count {
            value = value * 62 + UInt64(Base62.value(of: base[index]))
            index += 1
        }
        return value == crc
    }
}

extension Base62 {
    /// The digit value (0–61) of a byte already known to be in the alphabet.
    @inline(__always)
    static func value(of byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte &- UInt8(ascii: "A") &+ 10
        default: byte &- UInt8(ascii: "a") &+ 36
        }
    }
}
