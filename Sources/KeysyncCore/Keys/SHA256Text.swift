import Crypto

/// SHA-256 written the way keysync stores every digest: `sha256:` and 64 lower-case hex digits.
///
/// One spelling for key hashes, audit chain links and file digests, so a reader can tell at a
/// glance which algorithm produced a value and a future algorithm can get its own prefix.
public enum SHA256Text {
    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: utf8(of: bytes), as: UTF8.self)
    }

    /// `of(bytes)` as its UTF-8 bytes: for comparing with text read from a file (the audit
    /// chain's links) without a `String` per line. Contiguous bytes (an array, a slice of one)
    /// are hashed where they are, not copied first.
    public static func utf8(of bytes: some Sequence<UInt8>) -> [UInt8] {
        let digest = bytes.withContiguousStorageIfAvailable { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
            ?? SHA256.hash(data: Array(bytes))
        var text = Array("sha256:".utf8)
        text.reserveCapacity(7 + 64)
        for byte in digest {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return text
    }

    /// Whether `text` is `sha256:` followed by exactly 64 lower-case hexadecimal digits.
    public static func isWellFormed(_ text: String) -> Bool {
        guard text.hasPrefix("sha256:") else { return false }
        let hex = text.utf8.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
