import AgeFormat

/// Why a recipient text is refused: the diagnostic code and the reason for its message.
struct RecipientProblem: Error, Hashable, Sendable {
    var code: ManifestDiagnosticCode
    var reason: String
}

/// `text` parsed as an age X25519 recipient, or the problem when it is not one.
///
/// The one parse of a recipient: `AgeRecipient(parsing:)`, so the manifest accepts exactly what
/// `apply` can seal to, and the parsed value travels in `Team.recipients` to the plan and apply
/// (which never parse the text again). Two common pastes get a more helpful word than the Bech32 problem would give; a
/// well-formed string holding a point no key generator makes (low-order, non-canonical) gets
/// its own code, since it is hostile or broken rather than mistyped.
func validateRecipient(_ text: String) -> Result<AgeRecipient, RecipientProblem> {
    func invalid(_ reason: String) -> Result<AgeRecipient, RecipientProblem> { .failure(RecipientProblem(code: .invalidRecipient, reason: reason)) }
    if text.hasPrefix("AGE-SECRET-KEY-") { return invalid("this is a secret identity, not a recipient; remove it from the manifest") }
    if text.hasPrefix("ssh-") { return invalid("ssh keys are not supported; use an age X25519 recipient (age1...)") }
    if !text.lowercased().hasPrefix("age1") { return invalid("it does not start with age1, as every age X25519 recipient does") }
    do {
        return .success(try AgeRecipient(parsing: text))
    } catch {
        guard case .invalidRecipient(_, let problem) = error else { return invalid(error.description) }
        switch problem {
        case .lowOrderPoint: return .failure(RecipientProblem(code: .recipientLowOrder, reason: "\(problem)"))
        case .nonCanonicalPoint: return .failure(RecipientProblem(code: .recipientNotCanonical, reason: "\(problem)"))
        default: return invalid("\(problem)")
        }
    }
}
