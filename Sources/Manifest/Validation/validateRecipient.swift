/// Whether `text` is an age X25519 recipient (`age1` + Bech32 of a 32-byte key); the reason it
/// is not, or `nil` when it is.
///
/// The single seam for recipient checks: it is meant to call `AgeRecipient(parsing:)` from
/// `AgeFormat` once that lands, so the manifest accepts exactly what `apply` can seal to.
/// Until then it checks the Bech32 encoding itself (checksum, length, padding). This is an
/// encoding check (BIP 173), not a cryptographic primitive.
func validateRecipient(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    guard bytes.count > 4, bytes[0] == UInt8(ascii: "a"), bytes[1] == UInt8(ascii: "g"),
        bytes[2] == UInt8(ascii: "e"), bytes[3] == UInt8(ascii: "1")
    else {
        if text.hasPrefix("AGE1") { return "age recipients are written in lowercase" }
        if text.hasPrefix("ssh-") { return "ssh keys are not supported; use an age X25519 recipient" }
        if text.hasPrefix("AGE-SECRET-KEY-") { return "this is a secret identity, not a recipient" }
        return "it does not start with age1"
    }
    var values: [UInt8] = []
    values.reserveCapacity(bytes.count - 4)
    for c in bytes[4...] {
        guard let v = Bech32.value(of: c) else {
            return "it contains \"\(String(decoding: [c], as: UTF8.self))\", which Bech32 does not use"
        }
        values.append(v)
    }
    // 32 bytes = 256 bits = 52 five-bit groups (4 padding bits), plus a 6-group checksum.
    guard values.count == 58 else {
        return "it has \(bytes.count) characters; an age X25519 recipient has 62"
    }
    guard Bech32.polymod(hrp: [UInt8]("age".utf8), data: values) == 1 else {
        return "its checksum does not match (a typo or a truncated copy)"
    }
    guard values[51] & 0x0F == 0 else {
        return "its padding bits are not zero"
    }
    return nil
}

/// The Bech32 alphabet and checksum (BIP 173), just enough to check an encoding.
private enum Bech32 {
    static let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    static func value(of c: UInt8) -> UInt8? {
        guard c < 128, reverse[Int(c)] >= 0 else { return nil }
        return UInt8(reverse[Int(c)])
    }

    static func polymod(hrp: [UInt8], data: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var chk: UInt32 = 1
        func step(_ v: UInt8) {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= generator[i] }
        }
        for c in hrp { step(c >> 5) }
        step(0)
        for c in hrp { step(c & 31) }
        for v in data { step(v) }
        return chk
    }
}
