import Foundation
import KeysyncCore

/// The codes a caller can get from the server: the verifier's codes and `RATE_LIMITED`.
/// Raw values are the wire spelling; they never change.
public enum DecisionCode: String, Sendable, Hashable, CaseIterable, Codable {
    case valid = "VALID"
    case invalidAPIKey = "INVALID_API_KEY"
    case keyDeactivated = "KEY_DEACTIVATED"
    case keyExpired = "KEY_EXPIRED"
    case keyRevoked = "KEY_REVOKED"
    case apiAccessNotAvailable = "API_ACCESS_NOT_AVAILABLE"
    case insufficientScope = "INSUFFICIENT_SCOPE"
    case ipNotAllowed = "IP_NOT_ALLOWED"
    case rateLimited = "RATE_LIMITED"

    /// The verifier's code under the same wire spelling (every `VerificationCode` is one of these).
    init(_ code: VerificationCode) {
        guard let same = DecisionCode(rawValue: code.rawValue) else {
            preconditionFailure("DecisionCode lacks the verifier's code \(code.rawValue)")
        }
        self = same
    }

    /// 200, 401, 403, or 429 for a rate-limited key.
    public var httpStatus: Int {
        switch self {
        case .valid: 200
        case .rateLimited: 429
        case .apiAccessNotAvailable, .insufficientScope, .ipNotAllowed: 403
        case .invalidAPIKey, .keyDeactivated, .keyExpired, .keyRevoked: 401
        }
    }
}

/// Why no single key could be taken from the request's headers. All are `INVALID_API_KEY`.
enum CredentialProblem: Error, Sendable, Equatable {
    case missing
    /// An `Authorization` header with another scheme than `Bearer`.
    case notBearer
    /// `Authorization: Bearer` and `X-API-Key` (or several of either) with different values.
    case ambiguous

    var message: String {
        switch self {
        case .missing:
            "no API key: send it as Authorization: Bearer <key> or X-API-Key: <key>"
        case .notBearer:
            "the Authorization header must use the Bearer scheme (Authorization: Bearer <key>)"
        case .ambiguous:
            "the request carries different keys (Authorization and X-API-Key); send exactly one"
        }
    }
}

/// The presented key from the request's `Authorization` and `X-API-Key` values. The value
/// after `Bearer ` is passed on as is (further whitespace included) so the verifier can say
/// "check for whitespace" rather than silently trimming.
enum Credential {
    static func extract(authorization: [String], apiKey: [String]) -> Result<String, CredentialProblem> {
        var candidates: [String] = apiKey
        for value in authorization {
            let scheme = value.prefix { $0 != " " && $0 != "\t" }
            guard scheme.lowercased() == "bearer", scheme.count < value.count else { return .failure(.notBearer) }
            candidates.append(String(value.dropFirst(scheme.count + 1)))
        }
        guard let first = candidates.first else { return .failure(.missing) }
        // Compared in full on purpose: equal copies of one key are fine, anything else is refused.
        guard candidates.allSatisfy({ $0 == first }) else { return .failure(.ambiguous) }
        return .success(first)
    }
}

/// What one request asks of a restricted key: its scope and client address (`access`), and
/// why the scope header could not be read, if it could not.
struct RequestAccess {
    var access = AccessRequest(scope: nil, client: .unknown)
    var unreadableScope: String?
}

/// One request's answer: who (if a key was recognised), which code, and the limiter's view.
/// Never holds the presented key.
public struct AuthDecision: Sendable {
    public var code: DecisionCode
    public var message: String
    /// The key the state knows (also for refusals after the lookup: logs and usage want it).
    public var key: VerifiedKey?
    public var plan: String?
    /// `nil` only when no key was recognised: there is no limit to report.
    public var rateLimit: RateLimitDecision?

    public var isAllowed: Bool { code == .valid }

    /// The decision for `credential` against `snapshot` at `now`: verification first (revoked,
    /// deactivated, expired, plan, then the key's address and scope rules against `access`,
    /// read only for a key that has such rules), then the rate limit, which counts only
    /// allowed requests.
    /// Refused known keys report their limit without being counted.
    static func make(credential: Result<String, CredentialProblem>, snapshot: StateSnapshot,
                     limiter: RateLimiter, now: Date, access: () -> RequestAccess = { RequestAccess() }) -> AuthDecision {
        let presented: String
        switch credential {
        case .failure(let problem):
            return AuthDecision(code: .invalidAPIKey, message: problem.message, key: nil, plan: nil, rateLimit: nil)
        case .success(let key):
            presented = key
        }
        // The request's scope and address are read only for a key with restrictions.
        var unreadableScope: String?
        let result = snapshot.verifier.verify(presented, now: now) {
            let request = access()
            unreadableScope = request.unreadableScope
            return request.access
        }
        guard let key = result.key else {
            return AuthDecision(code: .invalidAPIKey, message: result.message, key: nil, plan: nil, rateLimit: nil)
        }
        let plan = snapshot.plan(ofTeam: key.team)
        let limit = max(1, key.rateLimit)
        guard result.isValid else {
            let status = limiter.check(keyID: key.id.rawValue, limit: limit, now: now, counting: false)
            return AuthDecision(code: DecisionCode(result.code), message: result.message, key: key, plan: plan, rateLimit: status)
        }
        if let problem = unreadableScope {
            // The gateway sent a scope header keysync cannot read, for a key with scopes:
            // refused, never guessed (a key without restrictions grants any scope anyway).
            let status = limiter.check(keyID: key.id.rawValue, limit: limit, now: now, counting: false)
            return AuthDecision(code: .insufficientScope, message: problem, key: key, plan: plan, rateLimit: status)
        }
        let status = limiter.check(keyID: key.id.rawValue, limit: limit, now: now, counting: true)
        guard status.allowed else {
            let message = "the key has used its \(limit) requests per minute; retry after \(status.retryAfter ?? 1) seconds"
            return AuthDecision(code: .rateLimited, message: message, key: key, plan: plan, rateLimit: status)
        }
        return AuthDecision(code: .valid, message: result.message, key: key, plan: plan, rateLimit: status)
    }
}
