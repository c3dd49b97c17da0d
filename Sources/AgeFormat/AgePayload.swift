import Foundation
import Crypto

/// The STREAM payload: a 16-byte nonce, then 64 KiB chunks sealed with ChaCha20-Poly1305 under
/// HKDF-SHA-256(file key, salt: nonce, info: "payload"); chunk nonces are an 11-byte big-endian
/// counter and a final-chunk flag byte.
enum AgePayload {
    static let chunkSize = 64 * 1024
    static let tagSize = 16
    static let nonceSize = 16
    private static let info = Array("payload".utf8)

    static func key(fileKey: SymmetricKey, nonce: some DataProtocol) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: nonce, info: info, outputByteCount: 32)
    }

    /// Appends the encrypted chunks of `plaintext` (at least one chunk, empty for empty input).
    static func seal(_ plaintext: [UInt8], key: SymmetricKey, into output: inout [UInt8]) {
        let chunkCount = max(1, (plaintext.count + chunkSize - 1) / chunkSize)
        output.reserveCapacity(output.count + plaintext.count + chunkCount * tagSize)
        for index in 0..<chunkCount {
            let start = index * chunkSize
            let end = min(start + chunkSize, plaintext.count)
            let sealed = try! ChaChaPoly.seal(
                plaintext[start..<end], using: key, nonce: chunkNonce(index, last: index == chunkCount - 1))
            output.append(contentsOf: sealed.ciphertext)
            output.append(contentsOf: sealed.tag)
        }
    }

    /// Decrypts and authenticates every chunk of `ciphertext` (the bytes after the payload
    /// nonce) before returning anything: no partial plaintext ever leaves this function.
    static func open(_ ciphertext: ArraySlice<UInt8>, key: SymmetricKey) throws(AgeError) -> [UInt8] {
        guard !ciphertext.isEmpty else { throw .truncatedPayload }
        var plaintext: [UInt8] = []
        plaintext.reserveCapacity(ciphertext.count)
        var offset = ciphertext.startIndex
        var index = 0
        while true {
            let end = min(offset + chunkSize + tagSize, ciphertext.endIndex)
            let chunk = ciphertext[offset..<end]
            guard chunk.count >= tagSize else { throw .truncatedPayload }
            if end == ciphertext.endIndex {
                if let opened = openChunk(chunk, index: index, last: true, key: key) {
                    if opened.isEmpty && index > 0 { throw .emptyFinalChunk(chunk: index) }
                    plaintext.append(contentsOf: opened)
                    return plaintext
                }
                if openChunk(chunk, index: index, last: false, key: key) != nil { throw .truncatedPayload }
                throw .badChunkTag(chunk: index)
            }
            guard let opened = openChunk(chunk, index: index, last: false, key: key) else {
                if openChunk(chunk, index: index, last: true, key: key) != nil { throw .trailingData }
                throw .badChunkTag(chunk: index)
            }
            plaintext.append(contentsOf: opened)
            offset = end
            index += 1
        }
    }

    private static func openChunk(_ chunk: ArraySlice<UInt8>, index: Int, last: Bool, key: SymmetricKey) -> Data? {
        let split = chunk.endIndex - tagSize
        guard
            let box = try? ChaChaPoly.SealedBox(
                nonce: chunkNonce(index, last: last), ciphertext: chunk[chunk.startIndex..<split],
                tag: chunk[split...]),
            let opened = try? ChaChaPoly.open(box, using: key)
        else { return nil }
        return opened
    }

    private static func chunkNonce(_ index: Int, last: Bool) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        var counter = UInt64(index)
        for position in stride(from: 10, through: 3, by: -1) {
            bytes[position] = UInt8(truncatingIfNeeded: counter)
            counter >>= 8
        }
        bytes[11] = last ? 1 : 0
        return try! ChaChaPoly.Nonce(data: bytes)
    }
}
