/// Strict standard base64 (RFC 4648 §4) as age uses it: unpadded in the header, padded in the
/// armor. Decoding accepts only canonical encodings (unused trailing bits must be zero), because
/// age files must not be malleable: every file has exactly one valid spelling.
enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The value of each ASCII byte in the alphabet, or 0xFF.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Whether `byte` is one of the 64 base64 characters (no `=`).
    @inline(__always)
    static func isAlphabet(_ byte: UInt8) -> Bool { values[Int(byte)] != 0xFF }

    /// Appends the encoding of `bytes` to `output`, with `=` padding when `padded`.
    static func encode(_ bytes: some Collection<UInt8>, padded: Bool, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + (bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next(), b2 = iterator.next()
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            if let b1 {
                output.append(alphabet[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)])
            } else if padded {
                output.append(UInt8(ascii: "="))
            }
            if let b2 {
                output.append(alphabet[Int(b2 & 0x3F)])
            } else if padded {
                output.append(UInt8(ascii: "="))
            }
        }
    }

    /// The unpadded encoding of `bytes` as a string.
    static func encodeUnpadded(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        encode(bytes, padded: false, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes canonical unpadded base64; nil for any other character, an impossible length
    /// (4n+1) or non-zero unused bits.
    static func decodeUnpadded(_ text: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value = values[Int(byte)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // 2 or 4 leftover bits are the unused part of the last character; 6 means a lone
        // character (4n+1), which encodes no whole byte.
        guard bits < 6, accumulator == 0 else { return nil }
        return output
    }

    /// Decodes canonical padded base64 (length a multiple of 4, `=` only as the final one or two
    /// characters, unused bits zero), as the armor requires.
    static func decodePadded(_ text: some Collection<UInt8>) -> [UInt8]? {
        let bytes = Array(text)
        guard bytes.count % 4 == 0 else { return nil }
        var padding = 0
        if bytes.last == UInt8(ascii: "=") { padding += 1 }
        if bytes.count >= 2, bytes[bytes.count - 2] == UInt8(ascii: "=") {
            guard padding == 1 else { return nil }
            padding += 1
        }
        return decodeUnpadded(bytes[0..<(bytes.count - padding)])
    }
}
