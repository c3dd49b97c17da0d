/// What a key may do and from where, as the state records it: the resolved `scopes` and
/// `allowed_ips` of its manifest entry (the key's own, else its team's, else its plan's).
/// `nil` in either field means unrestricted, as every key was before these fields existed; an
/// empty list means what it says (no scope, no address).
///
/// A reference type so a verifier entry holds one pointer, `nil` for an unrestricted key: the
/// common path checks that one word and nothing else.
public final class AccessPolicy: Sendable, Hashable {
    public let scopes: [Scope]?
    public let allowedIPs: [IPAddressRange]?

    /// `nil` when neither field restricts anything.
    public static func restricting(scopes: [Scope]?, allowedIPs: [IPAddressRange]?) -> AccessPolicy? {
        scopes == nil && allowedIPs == nil ? nil : AccessPolicy(scopes: scopes, allowedIPs: allowedIPs)
    }

    private init(scopes: [Scope]?, allowedIPs: [IPAddressRange]?) {
        self.scopes = scopes
        self.allowedIPs = allowedIPs
    }

    /// The first restriction `request` breaks, or `nil`. The address is checked before the
    /// scope: a caller off the allowed networks learns nothing about what the key may do.
    public func refusal(of request: AccessRequest) -> AccessRefusal? {
        if let allowedIPs {
            switch request.client {
            case .notChecked: break
            case .unknown: return .ipNotAllowed(client: nil)
            case .known(let address):
                if !allowedIPs.contains(where: { $0.contains(address) }) { return .ipNotAllowed(client: address) }
            }
        }
        if let scopes, let required = request.scope, !scopes.contains(where: { $0.grants(required) }) {
            return .insufficientScope(required: required)
        }
        return nil
    }

    public static func == (lhs: AccessPolicy, rhs: AccessPolicy) -> Bool {
        lhs.scopes == rhs.scopes && lhs.allowedIPs == rhs.allowedIPs
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scopes)
        hasher.combine(allowedIPs)
    }
}

/// Why a key that is otherwise valid is refused for one request.
public enum AccessRefusal: Sendable, Hashable {
    /// The key grants no scope that covers `required`.
    case insufficientScope(required: Scope)
    /// The client address is outside the key's `allowed_ips` (`nil`: the address is unknown).
    case ipNotAllowed(client: IPAddress?)
}

/// What one request asks of a key beyond being valid: the scope its route requires and the
/// address it comes from. `unchecked` asks nothing (what `verify(_:now:)` checks).
public struct AccessRequest: Sendable, Hashable {
    /// The scope the route requires; `nil`: the route requires none, and any valid key may use it.
    public var scope: Scope?
    public var client: ClientAddress

    public init(scope: Scope? = nil, client: ClientAddress = .notChecked) {
        self.scope = scope
        self.client = client
    }

    public static let unchecked = AccessRequest()
}

/// Where a request comes from, as far as the caller knows.
public enum ClientAddress: Sendable, Hashable {
    /// The caller does not check addresses (a library call asking about the key alone).
    case notChecked
    case known(IPAddress)
    /// The address should be known but is not (an unreadable forwarded header): a key
    /// restricted by `allowed_ips` is refused, one without restrictions is not.
    case unknown
}
