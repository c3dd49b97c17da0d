import Foundation

/// A signed state read straight into a verifier: for a server that holds a state only to verify
/// keys against it.
public struct SignedVerifierState: Sendable {
    public let verifier: KeyVerifier
    /// The state without its keys (`keys` empty): lineage, serial, teams, prefix, signature.
    public let shell: StateFile
}

extension KeyVerifier {
    /// Reads the signed state in `bytes` in one pass, handing each key record to the verifier's
    /// index as it is read (so the records are never all held: at 100k keys they are ~100 MB),
    /// then checks `trusted`'s signature over the bytes themselves, consuming them (see
    /// `StateFile.verifySignature(trusting:consumingSignedBytes:)`). The valid signature is what
    /// vouches for the content, as `StateFile.decode` followed by `verifySignature` would: the
    /// signer only signs canonical encodings of valid states.
    ///
    /// Throws what is wrong with the signature (missing, another signer, tampered bytes).
    /// Returns `nil`, bytes untouched, when the one-pass reader does not vouch for them or no
    /// signature member sits where canonical bytes hold it: decode them with `StateFile.decode`,
    /// the reference, which says what is wrong.
    public static func readingSigned(_ bytes: inout Data, trusting trusted: StatePublicKey)
        throws(StateSignatureError) -> SignedVerifierState?
    {
        var index = Index()
        // A canonical record takes at least ~550 bytes (its id, hash, preview, dates and the
        // field names alone): a bound on the count, so the index is not grown by doubling.
        index.reserveCapacity(bytes.count / 550)
        // Unsigned: left to the reference, which refuses a non-canonical file first, as before.
        guard let shell = CanonicalStateReader.read(bytes, eachKey: { index.add($0) }), shell.signature != nil
        else { return nil }
        guard try shell.verifySignature(trusting: trusted, consumingSignedBytes: &bytes) != nil else { return nil }
        return SignedVerifierState(verifier: KeyVerifier(index, shell: shell), shell: shell)
    }
}
