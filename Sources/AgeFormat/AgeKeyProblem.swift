/// What is wrong with the text of an `age1…` recipient or an `AGE-SECRET-KEY-1…` identity.
///
/// Kept apart from `AgeError` so a manifest validator can turn it into its own diagnostic
/// ("recipient 2 of team payments: its checksum does not match …") without parsing strings.
public enum AgeKeyProblem: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Nothing at all was given.
    case empty
    /// A character outside the Bech32 alphabet, at this 1-based position.
    case invalidCharacter(position: Int)
    /// Bech32 strings are all lower-case or all upper-case.
    case mixedCase
    /// Upper-case where lower-case is required (recipients) or the other way round (identities).
    case wrongCase(expectedUppercase: Bool)
    /// No `1` between the prefix and the data.
    case missingSeparator
    /// Too few characters after the separator to hold even the checksum.
    case tooShort
    /// The checksum does not match: a typo or a truncated copy.
    case badChecksum
    /// The data part does not decode to whole bytes.
    case badPadding
    /// A different kind of Bech32 string (another prefix).
    case wrongPrefix(expected: String, found: String)
    /// The right prefix, but not a 32-byte X25519 key.
    case wrongLength(expected: Int, found: Int)
    /// A recipient whose point has low order (such as all zeros): every X25519 shared secret
    /// with it is zero, so a sealed file's key would follow from public values alone.
    case lowOrderPoint
    /// A recipient whose 32 bytes are not a canonical X25519 public value (≥ 2^255 − 19, or the
    /// top bit set): X25519 never outputs such a key.
    case nonCanonicalPoint
    /// A recognised age key type that keysync does not implement (post-quantum, plugins, SSH).
    case unsupportedType(String)

    public var description: String {
        switch self {
        case .empty:
            return "it is empty"
        case .invalidCharacter(let position):
            return "character \(position) is not allowed in a bech32 key"
        case .mixedCase:
            return "it mixes upper-case and lower-case letters; bech32 keys use one case"
        case .wrongCase(let expectedUppercase):
            return expectedUppercase
                ? "it must be upper-case, as age-keygen writes it"
                : "it must be lower-case, as age-keygen prints it"
        case .missingSeparator:
            return "it has no '1' separating the prefix from the data"
        case .tooShort:
            return "it is too short to hold a checksum; was it cut off?"
        case .badChecksum:
            return "its checksum does not match; check for a typo or a truncated copy"
        case .badPadding:
            return "its data part does not decode to whole bytes"
        case .wrongPrefix(let expected, let found):
            return "it starts with '\(found)1' but should start with '\(expected)1'"
        case .wrongLength(let expected, let found):
            return "it holds \(found) bytes but an X25519 key is \(expected) bytes"
        case .lowOrderPoint:
            return "it is a low-order X25519 point, which no key generator makes: anything sealed to it could be opened by anyone"
        case .nonCanonicalPoint:
            return "its 32 bytes are not a canonical X25519 public key (the value is not below 2^255 - 19), which no key generator makes"
        case .unsupportedType(let type):
            return "\(type) is not supported; keysync uses X25519 keys (age1… recipients, AGE-SECRET-KEY-1… identities)"
        }
    }
}
