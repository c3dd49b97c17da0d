/// Bech32 (BIP-173) as age uses it for `age1…` recipients and `AGE-SECRET-KEY-1…` identities:
/// the BIP-173 checksum over the lower-case string, all-upper or all-lower case, and no 90
/// character limit. Only the encoding lives here; which prefix means what is the callers' job.
enum Bech32 {
    private static let charset: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in charset.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// A decoded string: the human-readable part (in the string's own case) and the data bytes.
    struct Decoded: Equatable {
        var humanReadablePart: String
        var data: [UInt8]
    }

    /// Encodes `data` under `humanReadablePart`; upper-case output when the part is upper-case.
    static func encode(humanReadablePart: String, data: some Collection<UInt8>) -> String {
        let lowerPart = humanReadablePart.lowercased()
        let uppercase = lowerPart != humanReadablePart
        let groups = regroup(Array(data), from: 8, to: 5, pad: true) ?? []
        let checksum = makeChecksum(humanReadablePart: Array(lowerPart.utf8), groups: groups)
        var output = Array(lowerPart.utf8)
        output.append(UInt8(ascii: "1"))
        for group in groups + checksum { output.append(charset[Int(group)]) }
        let text = String(decoding: output, as: UTF8.self)
        return uppercase ? text.uppercased() : text
    }

    /// Decodes a Bech32 string, naming the first thing wrong with it.
    static func decode(_ text: String) throws(AgeKeyProblem) -> Decoded {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        var hasLower = false, hasUpper = false
        for byte in bytes {
            guard byte >= 33, byte <= 126 else { throw .invalidCharacter(position: position(of: byte, in: bytes)) }
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { hasLower = true }
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { hasUpper = true }
        }
        guard !(hasLower && hasUpper) else { throw .mixedCase }
        guard let separator = bytes.lastIndex(of: UInt8(ascii: "1")), separator > 0 else {
            throw .missingSeparator
        }
        let lowered = bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        let dataPart = lowered[(separator + 1)...]
        var groups: [UInt8] = []
        groups.reserveCapacity(dataPart.count)
        for (offset, byte) in dataPart.enumerated() {
            let value = values[Int(byte)]
            guard value != 0xFF else { throw .invalidCharacter(position: separator + 2 + offset) }
            groups.append(value)
        }
        guard groups.count >= 6 else { throw .tooShort }
        guard polymod(expand(Array(lowered[..<separator])) + groups) == 1 else { throw .badChecksum }
        guard let data = regroup(Array(groups.dropLast(6)), from: 5, to: 8, pad: false) else {
            throw .badPadding
        }
        return Decoded(humanReadablePart: String(decoding: bytes[..<separator], as: UTF8.self), data: data)
    }

    /// 1-based position of the first occurrence of `byte`, for messages.
    private static func position(of byte: UInt8, in bytes: [UInt8]) -> Int {
        (bytes.firstIndex(of: byte) ?? 0) + 1
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> UInt32(bit)) & 1 == 1 {
                checksum ^= generator[bit]
            }
        }
        return checksum
    }

    private static func expand(_ humanReadablePart: [UInt8]) -> [UInt8] {
        humanReadablePart.map { $0 >> 5 } + [0] + humanReadablePart.map { $0 & 31 }
    }

    private static func makeChecksum(humanReadablePart: [UInt8], groups: [UInt8]) -> [UInt8] {
        let value = polymod(expand(humanReadablePart) + groups + [0, 0, 0, 0, 0, 0]) ^ 1
        return (0..<6).map { UInt8((value >> UInt32(5 * (5 - $0))) & 31) }
    }

    /// Converts between bit group sizes; without `pad`, leftover bits must be fewer than `from`
    /// and zero (BIP-173's rule), else nil.
    private static func regroup(_ input: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0, bits = 0
        let maximum = (1 << to) - 1
        var output: [UInt8] = []
        output.reserveCapacity(input.count * from / to + 1)
        for value in input {
            accumulator = (accumulator << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                output.append(UInt8((accumulator >> bits) & maximum))
            }
            accumulator &= (1 << bits) - 1
        }
        if pad {
            if bits > 0 { output.append(UInt8((accumulator << (to - bits)) & maximum)) }
        } else if bits >= from || accumulator != 0 {
            return nil
        }
        return output
    }
}
