import Crypto
import Foundation

/// The private Ed25519 key `apply` signs the state with. It lives in CI's secrets, never in the
/// repository; its public half (`publicKey`) is what readers of the state trust.
///
/// File format (what `keysync keygen --signing` writes, mode 0600): `#` comment lines and blank
/// lines are ignored; exactly one line `KEYSYNC-SIGNING-KEY-1:<base64 of the 32-byte seed>`.
/// The same text can be given in `KEYSYNC_SIGNING_KEY`. Like `APIKey`, the value never shows its
/// secret: `description`, `debugDescription` and its mirror show only the public key.
public struct StateSigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let textPrefix = "KEYSYNC-SIGNING-KEY-1:"

    private let key: Curve25519.Signing.PrivateKey

    private init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    /// A new key from `generator`: production passes `SystemRandomNumberGenerator`, tests a
    /// seeded one.
    public static func generate(using generator: inout some RandomNumberGenerator) -> StateSigningKey {
        var seed = [UInt8]()
        seed.reserveCapacity(32)
        while seed.count < 32 {
            var word = generator.next()
            for _ in 0..<8 {
                seed.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        do {
            return StateSigningKey(key: try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
        } catch {
            preconditionFailure("any 32 bytes are an Ed25519 seed: \(error)")
        }
    }

    /// Reads the file format above (or the same text from an environment variable).
    public init(parsing text: String) throws(StateSignatureError) {
        let lines = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard lines.count == 1, let line = lines.first else {
            throw .malformedSigningKey(lines.isEmpty ? "it holds no key line" : "it holds more than one key line")
        }
        guard line.hasPrefix(Self.textPrefix) else {
            throw .malformedSigningKey("the key line must start with \(Self.textPrefix)")
        }
        guard let seed = Data(base64Encoded: String(line.dropFirst(Self.textPrefix.count))), seed.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else { throw .malformedSigningKey("the key line must hold the base64 of 32 bytes") }
        self.init(key: key)
    }

    public var publicKey: StatePublicKey { StatePublicKey(key.publicKey) }

    /// The file `keysync keygen --signing` writes: comments saying what it is, then the key line.
    public func fileText(created: Date) -> String {
        """
        # keysync state signing key (Ed25519); keep it secret, give it to apply only
        # created: \(Timestamp.format(created))
        # public key: \(publicKey)
        \(Self.textPrefix)\(key.rawRepresentation.base64EncodedString())

        """
    }

    func signature(for payload: Data) -> Data {
        do {
            return try key.signature(for: payload)
        } catch {
            preconditionFailure("Ed25519 signing does not fail for a valid key: \(error)")
        }
    }

    public var description: String { "StateSigningKey(\(publicKey))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey.description], displayStyle: .struct) }
}
