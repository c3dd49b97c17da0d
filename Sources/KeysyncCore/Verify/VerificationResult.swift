import Foundation

/// The answer to one presented key, as a value: the server maps it to a response with `code`,
/// `httpStatus` and `message`, and logs the `VerifiedKey` of a refused known key if it wants.
public enum VerificationResult: Sendable, Equatable {
    case valid(VerifiedKey)
    /// `INVALID_API_KEY`: refused before or by the lookup.
    case invalid(InvalidKeyReason)
    /// `KEY_DEACTIVATED`: `active: false` in the manifest; reversible.
    case deactivated(VerifiedKey)
    /// `KEY_EXPIRED`: `now` is at or after `expires_at`.
    case expired(VerifiedKey)
    /// `KEY_REVOKED`: a tombstone, or a key rotated out whose grace period (`revoke_after`) ended.
    case revoked(VerifiedKey)
    /// `API_ACCESS_NOT_AVAILABLE`: the key is good but its team's plan has no API access
    /// (or the state has no record of its team: refused, not guessed).
    case apiAccessNotAvailable(VerifiedKey, plan: String?)
    /// `INSUFFICIENT_SCOPE`: the key is good but its `scopes` do not cover `required`.
    case insufficientScope(VerifiedKey, required: Scope)
    /// `IP_NOT_ALLOWED`: the key is good but `client` is outside its `allowed_ips` (`nil`: the
    /// client's address could not be determined).
    case ipNotAllowed(VerifiedKey, client: IPAddress?)

    public var isValid: Bool { if case .valid = self { true } else { false } }

    public var code: VerificationCode {
        switch self {
        case .valid: .valid
        case .invalid: .invalidAPIKey
        case .deactivated: .keyDeactivated
        case .expired: .keyExpired
        case .revoked: .keyRevoked
        case .apiAccessNotAvailable: .apiAccessNotAvailable
        case .insufficientScope: .insufficientScope
        case .ipNotAllowed: .ipNotAllowed
        }
    }

    public var httpStatus: Int { code.httpStatus }

    /// The key the state knows, for every outcome after a successful lookup.
    public var key: VerifiedKey? {
        switch self {
        case .valid(let key), .deactivated(let key), .expired(let key), .revoked(let key),
             .apiAccessNotAvailable(let key, _), .insufficientScope(let key, _), .ipNotAllowed(let key, _):
            key
        case .invalid:
            nil
        }
    }

    /// One lower-case sentence for the caller; it names no secret.
    public var message: String {
        switch self {
        case .valid: "the key is valid"
        case .invalid(let reason): reason.message
        case .deactivated: "the key has been deactivated; ask its owner to reactivate it or use another key"
        case .expired(let key):
            "the key expired at \(key.expiresAt.map(Timestamp.format) ?? "an earlier time"); ask its owner for a new key"
        case .revoked: "the key has been revoked; use its replacement or ask its owner for a new key"
        case .apiAccessNotAvailable(let key, let plan):
            if let plan {
                "team \(key.team)'s plan (\(plan)) does not include API access"
            } else {
                "team \(key.team) is not in the state, so it has no API access"
            }
        case .insufficientScope(_, let required):
            "the key does not grant scope \(required); ask its owner for a key with that scope"
        case .ipNotAllowed(_, let client?):
            "the key may not be used from \(client); it is restricted to other addresses"
        case .ipNotAllowed(_, nil):
            "the key is restricted to certain addresses, and the client's address is unknown"
        }
    }
}
