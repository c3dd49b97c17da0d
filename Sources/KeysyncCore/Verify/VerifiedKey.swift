import Foundation

/// What a server needs to know about a key it accepted (or, for keys it refused after the
/// lookup, which key it was — for its own logs, not for the caller). Never the raw key.
///
/// Why the fields sit behind one reference: `KeyVerifier.verify` hands out a copy for every
/// request, and at 100k keys a copy that retained five strings touched five scattered cache
/// lines; one shared, immutable box is one retain. A value as before: setting a field gives
/// this copy a box of its own.
public struct VerifiedKey: Sendable, Hashable {
    private final class Fields: Sendable {
        let id: KeyID
        let team: String
        let name: String
        let owner: String?
        let rateLimit: Int
        let expiresAt: Date?
        let preview: KeyPreview

        init(id: KeyID, team: String, name: String, owner: String?, rateLimit: Int, expiresAt: Date?, preview: KeyPreview) {
            self.id = id
            self.team = team
            self.name = name
            self.owner = owner
            self.rateLimit = rateLimit
            self.expiresAt = expiresAt
            self.preview = preview
        }
    }

    private var fields: Fields

    public var id: KeyID {
        get { fields.id }
        set { fields = Fields(id: newValue, team: team, name: name, owner: owner, rateLimit: rateLimit, expiresAt: expiresAt, preview: preview) }
    }
    public var team: String {
        get { fields.team }
        set { fields = Fields(id: id, team: newValue, name: name, owner: owner, rateLimit: rateLimit, expiresAt: expiresAt, preview: preview) }
    }
    public var name: String {
        get { fields.name }
        set { fields = Fields(id: id, team: team, name: newValue, owner: owner, rateLimit: rateLimit, expiresAt: expiresAt, preview: preview) }
    }
    /// The key's owner, or its team's owner when the key names none.
    public var owner: String? {
        get { fields.owner }
        set { fields = Fields(id: id, team: team, name: name, owner: newValue, rateLimit: rateLimit, expiresAt: expiresAt, preview: preview) }
    }
    /// Requests per minute.
    public var rateLimit: Int {
        get { fields.rateLimit }
        set { fields = Fields(id: id, team: team, name: name, owner: owner, rateLimit: newValue, expiresAt: expiresAt, preview: preview) }
    }
    /// `nil`: never expires.
    public var expiresAt: Date? {
        get { fields.expiresAt }
        set { fields = Fields(id: id, team: team, name: name, owner: owner, rateLimit: rateLimit, expiresAt: newValue, preview: preview) }
    }
    /// `thig_G1x2...7kPm`, as in the state.
    public var preview: KeyPreview {
        get { fields.preview }
        set { fields = Fields(id: id, team: team, name: name, owner: owner, rateLimit: rateLimit, expiresAt: expiresAt, preview: newValue) }
    }

    public init(id: KeyID, team: String, name: String, owner: String?, rateLimit: Int, expiresAt: Date?, preview: KeyPreview) {
        fields = Fields(id: id, team: team, name: name, owner: owner, rateLimit: rateLimit, expiresAt: expiresAt, preview: preview)
    }

    /// Field by field, as the synthesised conformance compared them.
    public static func == (lhs: VerifiedKey, rhs: VerifiedKey) -> Bool {
        lhs.fields === rhs.fields
            || (lhs.id == rhs.id && lhs.team == rhs.team && lhs.name == rhs.name && lhs.owner == rhs.owner
                && lhs.rateLimit == rhs.rateLimit && lhs.expiresAt == rhs.expiresAt && lhs.preview == rhs.preview)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(team)
        hasher.combine(name)
        hasher.combine(owner)
        hasher.combine(rateLimit)
        hasher.combine(expiresAt)
        hasher.combine(preview)
    }
}
