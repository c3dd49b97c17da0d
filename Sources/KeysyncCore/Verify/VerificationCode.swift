/// The error codes API users already know, with the HTTP status a server answers with.
/// Raw values are the wire spelling; they never change.
public enum VerificationCode: String, Sendable, Hashable, CaseIterable {
    case valid = "VALID"
    /// Unknown key, bad format, bad checksum, another installation's prefix.
    case invalidAPIKey = "INVALID_API_KEY"
    case keyDeactivated = "KEY_DEACTIVATED"
    case keyExpired = "KEY_EXPIRED"
    case keyRevoked = "KEY_REVOKED"
    /// The key is fine but its team's plan has no API access.
    case apiAccessNotAvailable = "API_ACCESS_NOT_AVAILABLE"
    /// The key is fine but does not grant the scope the request requires.
    case insufficientScope = "INSUFFICIENT_SCOPE"
    /// The key is fine but may not be used from the request's address.
    case ipNotAllowed = "IP_NOT_ALLOWED"

    /// 200 for a valid key, 403 when only the plan or the key's policy (scope, address) stands
    /// in the way, 401 otherwise.
    public var httpStatus: Int {
        switch self {
        case .valid: 200
        case .apiAccessNotAvailable, .insufficientScope, .ipNotAllowed: 403
        case .invalidAPIKey, .keyDeactivated, .keyExpired, .keyRevoked: 401
        }
    }
}
