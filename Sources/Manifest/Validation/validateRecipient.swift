import AgeFormat

/// Whether `text` is an age X25519 recipient; the reason it is not, or `nil` when it is.
///
/// Delegates to `AgeRecipient(parsing:)` so the manifest accepts exactly what `apply` can seal
/// to. Two common pastes get a more helpful word than the Bech32 problem would give.
func validateRecipient(_ text: String) -> String? {
    if text.hasPrefix("AGE-SECRET-KEY-") { return "this is a secret identity, not a recipient; remove it from the manifest" }
    if text.hasPrefix("ssh-") { return "ssh keys are not supported; use an age X25519 recipient (age1...)" }
    if !text.lowercased().hasPrefix("age1") { return "it does not start with age1, as every age X25519 recipient does" }
    do {
        _ = try AgeRecipient(parsing: text)
        return nil
    } catch {
        if case .invalidRecipient(_, let problem) = error { return "\(problem)" }
        return error.description
    }
}
