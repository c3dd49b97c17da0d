import Foundation
import KeysyncCore

/// One key as the manifest declares it. Defaults (`defaults:` or the built-in ones) are
/// already applied, so the reconciler never has to know where a value came from.
public struct KeyDeclaration: Sendable, Equatable {
    public var name: Located<String>
    public var description: Located<String>?
    public var owner: Located<String>?
    /// Requests per minute, 1...10_000. Located at the key's own field, or at `defaults`
    /// when inherited, or at the key's entry when the built-in default of 60 applies.
    public var rateLimit: Located<Int>
    public var expiration: Located<Expiration>?
    /// `false` deactivates without revoking.
    public var active: Bool
    /// The key's previous name: a rename keeps the same key material.
    public var renamedFrom: Located<String>?
    /// Generation; raising it asks for a replacement key.
    public var rotate: Int
    /// How long a rotated-out key keeps working; `nil` revokes it at once.
    public var rotateGrace: Located<Period>?
    /// How old the current generation may grow before the plan rotates it on its own (reason
    /// `due`); `nil`: only `rotate` rotates it.
    public var rotateEvery: Located<Period>? = nil
    /// `protect: true`: a plan that would revoke the key is refused once apply recorded it.
    public var protect: Bool = false
    /// Where the key's entry starts.
    public var location: SourceLocation
    /// The scopes the key grants, sorted: its own, else its team's, else its plan's (the
    /// assembler resolves them, pointing at where the list is written); `nil`: every scope.
    public var scopes: Located<[Scope]>? = nil
    /// The networks the key may be used from, sorted: its own, else its team's; `nil`: anywhere.
    public var allowedIPs: Located<[IPAddressRange]>? = nil

    public init(
        name: Located<String>, description: Located<String>? = nil, owner: Located<String>? = nil,
        rateLimit: Located<Int>, expiration: Located<Expiration>? = nil, active: Bool = true,
        renamedFrom: Located<String>? = nil, rotate: Int = 0, rotateGrace: Located<Period>? = nil,
        location: SourceLocation
    ) {
        self.name = name
        self.description = description
        self.owner = owner
        self.rateLimit = rateLimit
        self.expiration = expiration
        self.active = active
        self.renamedFrom = renamedFrom
        self.rotate = rotate
        self.rotateGrace = rotateGrace
        self.location = location
    }
}

/// Values every key gets unless it says otherwise: `defaults:`, else the built-in ones. The
/// assembler applies them once (`apply(to:)`), so nothing after the manifest looks at them.
public struct KeyDefaults: Sendable, Equatable {
    public static let builtInRateLimit = 60
    public static let rateLimitRange = 1...10_000

    public var rateLimit: Located<Int>?
    public var expiration: Located<Expiration>?
    public var rotateGrace: Located<Period>?
    public var rotateEvery: Located<Period>?

    public init(
        rateLimit: Located<Int>? = nil, expiration: Located<Expiration>? = nil,
        rotateGrace: Located<Period>? = nil, rotateEvery: Located<Period>? = nil
    ) {
        self.rateLimit = rateLimit
        self.expiration = expiration
        self.rotateGrace = rotateGrace
        self.rotateEvery = rotateEvery
    }

    /// Fills in what `key` left unset. The decoder marks an unset rate limit as 0 (never a
    /// valid limit); the built-in limit points at the key's entry.
    func apply(to key: inout KeyDeclaration) {
        if key.rateLimit.value == 0 {
            key.rateLimit = rateLimit ?? Located(Self.builtInRateLimit, at: key.location)
        }
        if key.expiration == nil { key.expiration = expiration }
        if key.rotateGrace == nil { key.rotateGrace = rotateGrace }
        if key.rotateEvery == nil { key.rotateEvery = rotateEvery }
    }
}
