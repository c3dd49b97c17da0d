/// Why an apply stopped. Nothing is written when `prepare` throws; a `storage` error from the
/// writer means the write order decides what is on disk (see `ApplyWriter`).
///
/// Messages carry ids, names and paths only — never key material.
public enum ApplyError: Error, Equatable, Sendable, CustomStringConvertible, DiagnosticConvertible {
    /// The plan names a key id the state does not hold (the plan was not made from this state).
    case unknownKey(KeyID)
    /// The plan's `old` value of a field is not the state's: the plan was made from another state.
    case planDoesNotMatchState(keyID: KeyID, field: String)
    /// The plan acts on a key that is already revoked.
    case keyAlreadyRevoked(KeyID)
    /// A change lacks what its action needs (a create without `newKey`, a revoke without `revocation`).
    case malformedChange(team: String, name: String, reason: String)
    /// Minting failed (only for an invalid prefix, which the manifest already rules out).
    case cannotMint(String)
    /// The new state breaks an invariant; nothing was written.
    case invalidNewState(StateFileError)
    /// Sealing failed.
    case sealing(team: String, reason: String)
    /// A write failed (or a simulated crash); what is on disk follows the write order.
    case storage(StorageError)
    /// A sealed file of this apply's serial is already there: a delivery is never replaced.
    case sealedFileExists(String)

    public var diagnosticCode: DiagnosticCode {
        switch self {
        case .unknownKey, .planDoesNotMatchState, .keyAlreadyRevoked, .malformedChange: .applyPlanMismatch
        case .cannotMint: .applyMint
        case .invalidNewState: .applyInvalidState
        case .sealing: .applySeal
        case .storage: .applyWrite
        case .sealedFileExists: .applySealedFileExists
        }
    }

    public var description: String {
        switch self {
        case .unknownKey(let id):
            "the plan acts on key \(id), which the state does not hold; run keysync plan again"
        case .planDoesNotMatchState(let id, let field):
            "the plan's old \(field) of key \(id) is not the state's; run keysync plan again"
        case .keyAlreadyRevoked(let id):
            "the plan acts on key \(id), which is already revoked; run keysync plan again"
        case .malformedChange(let team, let name, let reason):
            "the plan's change to \(team)/\(name) is malformed: \(reason)"
        case .cannotMint(let reason):
            "cannot mint a key: \(reason)"
        case .invalidNewState(let error):
            "applying the plan would break the state: \(error.message); nothing was written"
        case .sealing(let team, let reason):
            "cannot seal the keys of team \(team): \(reason)"
        case .storage(let error):
            "\(error)"
        case .sealedFileExists(let path):
            "\(path) already exists; a sealed file is written once and never replaced"
        }
    }
}

extension ApplyError {
    /// The message names what failed; `file`, when given, is where the diagnostic points.
    public func diagnostic(file: String?) -> Diagnostic {
        .error(diagnosticCode, description, at: file.map { SourceLocation(file: $0, line: 1, column: 1) })
    }
}
