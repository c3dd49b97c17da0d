/// The `signature` block of a signed state file:
///
/// ```json
/// "signature": {
///   "algorithm": "ed25519",
///   "public_key": "<base64 of the 32-byte Ed25519 public key>",
///   "value": "<base64 of the 64-byte signature>"
/// }
/// ```
///
/// The signature covers `StateFile.signingPayload`: the ASCII line `keysync-state-signature-1`
/// and a newline, then the state's canonical bytes (`StateFile.encoded()`) *without* this
/// block. The public key is recorded so a refusal can say "signed by another key" rather than
/// only "bad signature"; it is never trusted from here — the verifier brings its own.
/// Values are kept as the file spells them and checked only when verifying, so a damaged block
/// is reported as a signature problem, with the rest of the state still readable.
public struct StateSignature: Sendable, Hashable, Codable {
    public static let ed25519 = "ed25519"

    public var algorithm: String
    public var publicKey: String
    public var value: String

    public init(algorithm: String, publicKey: String, value: String) {
        self.algorithm = algorithm
        self.publicKey = publicKey
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case algorithm, publicKey = "public_key", value
    }
}
