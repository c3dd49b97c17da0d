import Manifest

/// Something a reviewer should know that is not a change: display only, apply ignores it.
public struct PlanNote: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A key still active in the state but past its `expires_at`: it no longer works.
        case expired
        /// A key that stays active and expires within the warning window.
        case expiringSoon = "expiring-soon"
        /// A team whose plan has no API access but that has active keys (they get 403).
        case noAPIAccess = "no-api-access"
        /// A key with no owner, and a team with neither owner nor contacts: nobody gets expiry notices.
        case noOwner = "no-owner"
        /// The plan revokes more keys than apply's limit (`--max-revocations`): a note about
        /// the whole plan, its `team` empty.
        case revocationLimit = "revocation-limit"
    }

    public enum Severity: String, Sendable, Hashable, Codable {
        case note
        case warning
    }

    public var kind: Kind
    /// `expired` is a note (the plan cannot fix it by itself); the others are warnings.
    public var severity: Severity
    /// Empty for a note about the whole plan (`revocation-limit`).
    public var team: String
    /// `nil` for a note about the whole team.
    public var key: String?
    public var keyID: KeyID?
    public var message: String
    public var hint: String?
    public var location: SourceLocation?

    public init(
        kind: Kind, team: String, key: String? = nil, keyID: KeyID? = nil, message: String,
        hint: String? = nil, location: SourceLocation? = nil
    ) {
        self.kind = kind
        self.severity = kind == .expired ? .note : .warning
        self.team = team
        self.key = key
        self.keyID = keyID
        self.message = message
        self.hint = hint
        self.location = location
    }

    enum CodingKeys: String, CodingKey {
        case kind, severity, team, key, keyID = "key_id", message, hint, location
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(severity, forKey: .severity)
        try c.encode(team, forKey: .team)
        try c.encode(key, forKey: .key)
        try c.encode(keyID, forKey: .keyID)
        try c.encode(message, forKey: .message)
        try c.encode(hint, forKey: .hint)
        try c.encode(location.map(CodableLocation.init), forKey: .location)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kind: try c.decode(Kind.self, forKey: .kind),
            team: try c.decode(String.self, forKey: .team),
            key: try c.decodeIfPresent(String.self, forKey: .key),
            keyID: try c.decodeIfPresent(KeyID.self, forKey: .keyID),
            message: try c.decode(String.self, forKey: .message),
            hint: try c.decodeIfPresent(String.self, forKey: .hint),
            location: try c.decodeIfPresent(CodableLocation.self, forKey: .location)?.location)
    }
}
