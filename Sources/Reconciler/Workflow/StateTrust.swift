import Manifest

/// Whom the state must be signed by, or that it need not be. The command line decides it (from
/// a flag, the environment, or apply's own signing key); every reader of the state then makes
/// the same check with it.
public enum StateTrust: Equatable, Sendable {
    case signer(StatePublicKey)
    /// `--insecure-unsigned`: nothing protects the state from hand edits.
    case unsigned

    /// The signature check every reader makes: with a signer, `state` must carry a valid
    /// signature by it (a missing file — before the first apply — has none to check). `path`
    /// is where the refusal points.
    public func refusal(of state: StateFile, exists: Bool, path: String) -> Diagnostic? {
        guard case .signer(let trusted) = self, exists else { return nil }
        do {
            try state.verifySignature(trusting: trusted)
            return nil
        } catch {
            return error.diagnostic(file: path)
        }
    }

    /// `refusal(of:exists:path:)` for a state `RepositoryReader.read(trusting:)` read: a
    /// signature it already found valid by the trusted signer over the file's own bytes is
    /// accepted without encoding the state again; anything else is checked (and explained) as
    /// above.
    public func refusal(of snapshot: RepositorySnapshot, path: String) -> Diagnostic? {
        if case .signer(let trusted) = self, snapshot.verifiedSigner == trusted { return nil }
        return refusal(of: snapshot.state, exists: snapshot.stateExists, path: path)
    }
}
