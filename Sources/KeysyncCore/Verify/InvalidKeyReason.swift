/// Why a presented string is `INVALID_API_KEY`. Nothing here holds the presented text: it may be
/// a secret (someone's key with a typo), and results end up in logs.
public enum InvalidKeyReason: Sendable, Equatable {
    /// A well-formed key with spaces, tabs or line breaks around it. Still refused: a server
    /// that trimmed silently would accept what other servers refuse.
    case surroundingWhitespace
    /// A well-formed key with the `Bearer ` of an `Authorization` header still in front.
    case bearerPrefixLeftIn
    /// A key of another system or installation (the part before `_` is public by design).
    case otherPrefix(expected: String, found: String)
    /// Not shaped like a key of this installation, or its checksum does not match.
    case malformed(APIKeyError)
    /// Well-formed, but no key in the state has its hash.
    case unknownKey

    public var message: String {
        switch self {
        case .surroundingWhitespace:
            "the key is not valid: check the key has no extra whitespace (spaces or line breaks around it)"
        case .bearerPrefixLeftIn:
            "the key is not valid: check the key has no extra whitespace or a leftover 'Bearer ' prefix"
        case .otherPrefix(let expected, let found):
            "the key is not a key of this installation: it starts with '\(found)_', keys here start with '\(expected)_'"
        case .malformed(let error):
            "the key is not valid: \(error.description)"
        case .unknownKey:
            "the key is not valid: no such key"
        }
    }
}
