/// CRC-32 (IEEE 802.3, the polynomial of zlib's `crc32`), for the checksum at the end of every
/// API key — a typo check and what lets secret scanners tell a real key from noise, not a
/// security measure.
///
/// Why here and not zlib: this is the verification library an API server links, and its
/// dependency closure is swift-crypto only, which has no CRC. `CRC32Tests` compares it with
/// zlib's `crc32` on random inputs, so the two can never disagree.
public enum CRC32 {
    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { checksum($0) }
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }
}
