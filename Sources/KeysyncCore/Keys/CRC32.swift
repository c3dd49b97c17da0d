/// CRC-32 (IEEE 802.3, the polynomial of zlib's `crc32`), for the checksum at the end of every
/// API key — a typo check and what lets secret scanners tell a real key from noise, not a
/// security measure.
///
/// Why here and not zlib: this is the verification library an API server links, and its
/// dependency closure is swift-crypto only, which has no CRC. `CRC32Tests` compares it with
/// zlib's `crc32` on random inputs, so the two can never disagree.
///
/// Why eight tables ("slicing-by-8"): every presented key is checksummed before its SHA-256, on
/// the verifier's hot path. Eight bytes per step through eight 256-entry tables costs about a
/// quarter of the byte-at-a-time loop's instructions; the tables (8 KB) are built once.
public enum CRC32 {
    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard var next = bytes.baseAddress else { return 0 }
        return tables.withUnsafeBufferPointer { t -> UInt32 in
            var crc: UInt32 = 0xFFFF_FFFF
            var left = bytes.count
            while left >= 8 {
                let raw = UnsafeRawPointer(next)
                let low = UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)) ^ crc
                let high = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                crc = t[7 &* 256 &+ Int(low & 0xFF)] ^ t[6 &* 256 &+ Int((low >> 8) & 0xFF)]
                    ^ t[5 &* 256 &+ Int((low >> 16) & 0xFF)] ^ t[4 &* 256 &+ Int(low >> 24)]
                    ^ t[3 &* 256 &+ Int(high & 0xFF)] ^ t[2 &* 256 &+ Int((high >> 8) & 0xFF)]
                    ^ t[256 &+ Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                next += 8
                left &-= 8
            }
            while left > 0 {
                crc = t[Int((crc ^ UInt32(next.pointee)) & 0xFF)] ^ (crc >> 8)
                next += 1
                left &-= 1
            }
            return crc ^ 0xFFFF_FFFF
        }
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { checksum($0) }
    }

    /// Table `k` (entries `256 k ..< 256 (k + 1)`) is the CRC of a byte followed by `k` zero
    /// bytes; table 0 is the classic byte-at-a-time table.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
            tables[index] = value
        }
        for table in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(table - 1) * 256 + index]
                tables[table * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()
}
