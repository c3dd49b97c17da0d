import Foundation

/// One key ever minted, as the state remembers it: everything needed to verify it, show it and
/// audit it — and never the raw key. The key itself is known only by its `hash`
/// (`sha256:<64 lowercase hex>` of the whole raw key) and a `preview` (`thig_G1x2...7kPm`).
public struct KeyRecord: Sendable, Hashable, Codable {
    /// Random, non-secret (`key_` + 20 base32 characters); stable across renames.
    public var id: KeyID
    public var team: String
    public var name: String
    /// The manifest's `rotate` value this key was minted for.
    public var generation: Int
    /// `sha256:<64 lowercase hex>` of the whole raw key.
    public var hash: KeyHash
    /// `<prefix>_<first 4 of body>...<last 4 of key>`: enough to recognise, useless to attack.
    public var preview: KeyPreview
    public var createdAt: Date
    public var createdBy: String
    /// `nil`: never expires.
    public var expiresAt: Date?
    /// Requests per minute.
    public var rateLimit: Int
    public var description: String?
    public var owner: String?
    public var status: KeyStatus
    public var revokedAt: Date?
    public var revokedReason: RevocationReason?
    /// Set on a key replaced by a rotation with `rotate_grace`: it keeps working until then,
    /// and the first plan at or after that instant revokes it.
    public var revokeAfter: Date?
    /// The name of the sealed (age) file the raw key was delivered in.
    public var sealedFile: String
    /// When this generation is due for its scheduled rotation (`created_at` + the manifest's
    /// `rotate_every`); `nil`: no schedule. Recorded so `expiring` can list rotations coming
    /// due from the state alone. Written only when set (state version 3).
    public var rotateDueAt: Date? = nil
    /// The manifest's `protect: true`, recorded at apply: a plan that would revoke this key is
    /// refused (`key-protected`) until an applied change clears it, so deleting the key and
    /// its flag in one change is still refused. Written only when `true` (state version 3).
    public var protected: Bool = false
    /// The scopes the key grants, resolved from its manifest entry, team or plan and sorted;
    /// `nil` (absent in the file): unrestricted. Version 3 of the state.
    public var scopes: [Scope]?
    /// The networks the key may be used from, sorted; `nil` (absent): anywhere. Version 3.
    public var allowedIPs: [IPAddressRange]?

    public init(
        id: KeyID, team: String, name: String, generation: Int = 0, hash: KeyHash, preview: KeyPreview,
        createdAt: Date, createdBy: String, expiresAt: Date? = nil, rateLimit: Int = 60,
        description: String? = nil, owner: String? = nil, status: KeyStatus = .active,
        revokedAt: Date? = nil, revokedReason: RevocationReason? = nil, revokeAfter: Date? = nil,
        sealedFile: String, scopes: [Scope]? = nil, allowedIPs: [IPAddressRange]? = nil
    ) {
        self.id = id
        self.team = team
        self.name = name
        self.generation = generation
        self.hash = hash
        self.preview = preview
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.rateLimit = rateLimit
        self.description = description
        self.owner = owner
        self.status = status
        self.revokedAt = revokedAt
        self.revokedReason = revokedReason
        self.revokeAfter = revokeAfter
        self.sealedFile = sealedFile
        self.scopes = scopes
        self.allowedIPs = allowedIPs
    }

    /// Live and not on its way out after a rotation: the key the manifest's entry refers to.
    /// At most one per team and name (a `StateFile` invariant).
    public var isCurrent: Bool { status.isLive && revokeAfter == nil }

    /// Live, but replaced by a rotation and waiting for its grace period to end.
    public var isRetiring: Bool { status.isLive && revokeAfter != nil }

    /// Whether the key has expired at `now` (expiry is inclusive: at `expires_at` it stops working).
    public func isExpired(at now: Date) -> Bool {
        expiresAt.map { $0 <= now } ?? false
    }

    enum CodingKeys: String, CodingKey {
        case id, team, name, generation, hash, preview
        case createdAt = "created_at", createdBy = "created_by", expiresAt = "expires_at"
        case rateLimit = "rate_limit", description, owner, status
        case revokedAt = "revoked_at", revokedReason = "revoked_reason", revokeAfter = "revoke_after"
        case sealedFile = "sealed_file"
        case rotateDueAt = "rotate_due_at", protected
        case scopes, allowedIPs = "allowed_ips"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(team, forKey: .team)
        try c.encode(name, forKey: .name)
        try c.encode(generation, forKey: .generation)
        try c.encode(hash, forKey: .hash)
        try c.encode(preview, forKey: .preview)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(createdBy, forKey: .createdBy)
        // Optional fields are written as explicit nulls so every record has the same lines.
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(rateLimit, forKey: .rateLimit)
        try c.encode(description, forKey: .description)
        try c.encode(owner, forKey: .owner)
        try c.encode(status, forKey: .status)
        try c.encode(revokedAt, forKey: .revokedAt)
        try c.encode(revokedReason, forKey: .revokedReason)
        try c.encode(revokeAfter, forKey: .revokeAfter)
        try c.encode(sealedFile, forKey: .sealedFile)
        // Only when set, so a version 1 or 2 state reads back as the very bytes it was.
        try c.encodeIfPresent(rotateDueAt, forKey: .rotateDueAt)
        if protected { try c.encode(true, forKey: .protected) }
        // Absent when unrestricted, so a record of an older state encodes to the same bytes.
        try c.encodeIfPresent(scopes, forKey: .scopes)
        try c.encodeIfPresent(allowedIPs, forKey: .allowedIPs)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(KeyID.self, forKey: .id)
        team = try c.decode(String.self, forKey: .team)
        name = try c.decode(String.self, forKey: .name)
        generation = try c.decode(Int.self, forKey: .generation)
        // A malformed hash or preview is reported by the key's id (which the message and the
        // line number come from), never by its value: it may be a raw key pasted by mistake.
        guard let hash = KeyHash(rawValue: try c.decode(String.self, forKey: .hash)) else {
            throw StateFileError(.invalidHash(id: id.rawValue))
        }
        self.hash = hash
        guard let preview = KeyPreview(rawValue: try c.decode(String.self, forKey: .preview)) else {
            throw StateFileError(.invalidPreview(id: id.rawValue))
        }
        self.preview = preview
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        createdBy = try c.decode(String.self, forKey: .createdBy)
        expiresAt = try c.decodeIfPresent(Date.self, forKey: .expiresAt)
        rateLimit = try c.decode(Int.self, forKey: .rateLimit)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        owner = try c.decodeIfPresent(String.self, forKey: .owner)
        status = try c.decode(KeyStatus.self, forKey: .status)
        revokedAt = try c.decodeIfPresent(Date.self, forKey: .revokedAt)
        revokedReason = try c.decodeIfPresent(RevocationReason.self, forKey: .revokedReason)
        revokeAfter = try c.decodeIfPresent(Date.self, forKey: .revokeAfter)
        sealedFile = try c.decode(String.self, forKey: .sealedFile)
        rotateDueAt = try c.decodeIfPresent(Date.self, forKey: .rotateDueAt)
        protected = try c.decodeIfPresent(Bool.self, forKey: .protected) ?? false
        scopes = try c.decodeIfPresent([Scope].self, forKey: .scopes)
        allowedIPs = try c.decodeIfPresent([IPAddressRange].self, forKey: .allowedIPs)
    }

    /// The key's restrictions for a verifier; `nil` when it has none.
    public var accessPolicy: AccessPolicy? {
        AccessPolicy.restricting(scopes: scopes, allowedIPs: allowedIPs)
    }
}
