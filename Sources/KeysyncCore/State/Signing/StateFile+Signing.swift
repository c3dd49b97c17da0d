import Foundation

extension StateFile {
    /// The first line of what is signed: names the scheme so a signature can never be taken
    /// for one over some other kind of data.
    static let signingDomain = "keysync-state-signature-1\n"

    /// What the signature covers: `signingDomain`, then the canonical bytes of this state
    /// without its `signature` block. Canonical (normalised order, sorted keys), so the same
    /// content always gives the same bytes, whatever order the records are held in.
    public var signingPayload: Data {
        Data(Self.signingDomain.utf8) + withoutSignature.encoded()
    }

    /// The same state with no `signature` block. A changed state must not keep the old block:
    /// `apply` either signs the state it writes or writes it without one.
    public var withoutSignature: StateFile {
        var copy = self
        copy.signature = nil
        return copy
    }

    /// This state, signed by `key` (any previous signature replaced). Sign last, just before
    /// writing: any later change invalidates the signature.
    public func signed(with key: StateSigningKey) -> StateFile {
        var copy = self
        copy.signature = StateSignature(
            algorithm: StateSignature.ed25519, publicKey: key.publicKey.base64,
            value: key.signature(for: signingPayload).base64EncodedString())
        return copy
    }

    /// Checks that `trusted` signed exactly this content; throws what is wrong otherwise:
    /// no signature, another signer, an unreadable block, or content changed after signing.
    public func verifySignature(trusting trusted: StatePublicKey) throws(StateSignatureError) {
        guard let signature else { throw .missingSignature }
        guard signature.algorithm == StateSignature.ed25519 else { throw .unsupportedAlgorithm(signature.algorithm) }
        let signer = try StatePublicKey(base64: signature.publicKey) { _ in
            .malformedSignature("public_key must be the base64 of 32 bytes")
        }
        guard signer == trusted else { throw .signedByAnotherKey(found: signer.description) }
        guard let value = Data(base64Encoded: signature.value), value.count == 64 else {
            throw .malformedSignature("value must be the base64 of a 64-byte Ed25519 signature")
        }
        guard trusted.key.isValidSignature(value, for: signingPayload) else { throw .badSignature }
    }
}
