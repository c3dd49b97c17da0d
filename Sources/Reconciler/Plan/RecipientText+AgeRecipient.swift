import AgeFormat

extension RecipientText {
    /// How the state records a recipient the manifest parsed: its canonical `age1…` text.
    ///
    /// Every `AgeRecipient` (32 bytes under the `age` prefix) prints as `age1` and 58 Bech32
    /// characters, the shape `RecipientText` checks; the conversion cannot fail, so it has no
    /// error path (the precondition states the fact, it is not a check callers rely on).
    init(_ recipient: AgeRecipient) {
        guard let text = RecipientText(rawValue: recipient.description) else {
            preconditionFailure("an age X25519 recipient always has the recipient text shape")
        }
        self = text
    }
}
