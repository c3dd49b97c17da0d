/// Fills byte arrays from a caller's generator, so that key and nonce generation stay pure
/// functions of their inputs (tests pass a seeded generator; the CLI passes the system CSPRNG).
enum RandomBytes {
    static func make(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(count + 7)
        while bytes.count < count {
            let word = generator.next()
            withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}
