import Foundation

/// What a server needs to know about a key it accepted (or, for keys it refused after the
/// lookup, which key it was — for its own logs, not for the caller). Never the raw key.
public struct VerifiedKey: Sendable, Hashable {
    public var id: KeyID
    public var team: String
    public var name: String
    /// The key's owner, or its team's owner when the key names none.
    public var owner: String?
    /// Requests per minute.
    public var rateLimit: Int
    /// `nil`: never expires.
    public var expiresAt: Date?
    /// `thig_G1x2...7kPm`, as in the state.
    public var preview: KeyPreview

    public init(id: KeyID, team: String, name: String, owner: String?, rateLimit: Int, expiresAt: Date?, preview: KeyPreview) {
        self.id = id
        self.team = team
        self.name = name
        self.owner = owner
        self.rateLimit = rateLimit
        self.expiresAt = expiresAt
        self.preview = preview
    }
}
