import AgeFormat

/// Why a recipient text is refused: the diagnostic code and the reason for its message.
struct RecipientProblem: Hashable, Sendable {
    var code: ManifestDiagnosticCode
    var reason: String
}

/// Whether `text` is an age X25519 recipient; the problem when it is not, or `nil` when it is.
///
/// Delegates to `AgeRecipient(parsing:)` so the manifest accepts exactly what `apply` can seal
/// to. Two common pastes get a more helpful word than the Bech32 problem would give; a
/// well-formed string holding a point no key generator makes (low-order, non-canonical) gets
/// its own code, since it is hostile or broken rather than mistyped.
func validateRecipient(_ text: String) -> RecipientProblem? {
    func invalid(_ reason: String) -> RecipientProblem { RecipientProblem(code: .invalidRecipient, reason: reason) }
    if text.hasPrefix("AGE-SECRET-KEY-") { return invalid("this is a secret identity, not a recipient; remove it from the manifest") }
    if text.hasPrefix("ssh-") { return invalid("ssh keys are not supported; use an age X25519 recipient (age1...)") }
    if !text.lowercased().hasPrefix("age1") { return invalid("it does not start with age1, as every age X25519 recipient does") }
    do {
        _ = try AgeRecipient(parsing: text)
        return nil
    } catch {
        guard case .invalidRecipient(_, let problem) = error else { return invalid(error.description) }
        switch problem {
        case .lowOrderPoint: return RecipientProblem(code: .recipientLowOrder, reason: "\(problem)")
        case .nonCanonicalPoint: return RecipientProblem(code: .recipientNotCanonical, reason: "\(problem)")
        default: return invalid("\(problem)")
        }
    }
}
