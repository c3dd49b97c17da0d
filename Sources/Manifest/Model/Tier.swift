import KeysyncCore

/// A product tier (what keys.yaml calls a `plan`: free, starter, …): whether its teams may use
/// the API at all, and how many keys they may hold. Its own name, so "plan" in the code means the
/// diff that apply carries out (`Plan`).
public struct Tier: Sendable, Equatable {
    public var name: String
    public var apiAccess: Bool
    /// `nil` means unlimited.
    public var maxKeys: Int?
    /// Where the manifest defined it; `nil` for the built-in table.
    public var location: SourceLocation?
    /// Scopes for keys of its teams that set none (nor their team); `nil`: no default.
    public var scopes: Located<[Scope]>? = nil

    public init(name: String, apiAccess: Bool, maxKeys: Int?, location: SourceLocation? = nil) {
        self.name = name
        self.apiAccess = apiAccess
        self.maxKeys = maxKeys
        self.location = location
    }

    /// The table used when a manifest declares no `plans`, as products commonly sell API access.
    public static let defaults: [String: Tier] = [
        "free": Tier(name: "free", apiAccess: false, maxKeys: 0),
        "starter": Tier(name: "starter", apiAccess: true, maxKeys: 2),
        "professional": Tier(name: "professional", apiAccess: true, maxKeys: 10),
        "enterprise": Tier(name: "enterprise", apiAccess: true, maxKeys: nil),
    ]
}
