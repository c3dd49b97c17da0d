import AgeFormat
import Manifest

/// Everything apply needs to mint a key (for a create or a rotation's replacement) without
/// looking at the manifest again. The team and name are the `KeyChange`'s.
public struct NewKey: Sendable, Hashable, Codable {
    /// The `rotate` value the key is minted for.
    public var generation: Int
    public var description: String?
    public var owner: String?
    /// Requests per minute.
    public var rateLimit: Int
    /// `nil`: never expires.
    public var expiration: Expiration?
    /// `.active`, or `.inactive` for a key declared with `active: false`.
    public var status: KeyStatus
    /// The team's age recipients, as the manifest parsed them: the raw key is sealed to all of
    /// them. A saved plan's text is parsed when the plan is read, so apply never parses again.
    public var recipients: [AgeRecipient]
    /// `rotate_every`: apply records `rotate_due_at` as the key's creation plus this.
    public var rotateEvery: Period?
    /// `protect: true`, recorded on the new record.
    public var protected: Bool
    /// The resolved scopes, sorted; `nil`: unrestricted (and left out of a saved plan).
    public var scopes: [Scope]?
    /// The resolved networks, sorted; `nil`: anywhere (and left out of a saved plan).
    public var allowedIPs: [IPAddressRange]?

    public init(
        generation: Int, description: String?, owner: String?, rateLimit: Int,
        expiration: Expiration?, status: KeyStatus, recipients: [AgeRecipient],
        rotateEvery: Period? = nil, protected: Bool = false,
        scopes: [Scope]? = nil, allowedIPs: [IPAddressRange]? = nil
    ) {
        self.rotateEvery = rotateEvery
        self.protected = protected
        self.scopes = scopes
        self.allowedIPs = allowedIPs
        self.generation = generation
        self.description = description
        self.owner = owner
        self.rateLimit = rateLimit
        self.expiration = expiration
        self.status = status
        self.recipients = recipients
    }

    enum CodingKeys: String, CodingKey {
        case generation, description, owner, rateLimit = "rate_limit", expiration, status, recipients
        case rotateEvery = "rotate_every", protected
        case scopes, allowedIPs = "allowed_ips"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(generation, forKey: .generation)
        try c.encode(description, forKey: .description)
        try c.encode(owner, forKey: .owner)
        try c.encode(rateLimit, forKey: .rateLimit)
        try c.encode(expiration, forKey: .expiration)
        try c.encode(status, forKey: .status)
        try c.encode(recipients.map(\.description), forKey: .recipients)
        // Only when set, so plans without a schedule or protection keep their shape.
        try c.encodeIfPresent(rotateEvery, forKey: .rotateEvery)
        if protected { try c.encode(true, forKey: .protected) }
        try c.encodeIfPresent(scopes, forKey: .scopes)
        try c.encodeIfPresent(allowedIPs, forKey: .allowedIPs)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        generation = try c.decode(Int.self, forKey: .generation)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        owner = try c.decodeIfPresent(String.self, forKey: .owner)
        rateLimit = try c.decode(Int.self, forKey: .rateLimit)
        expiration = try c.decodeIfPresent(Expiration.self, forKey: .expiration)
        status = try c.decode(KeyStatus.self, forKey: .status)
        rotateEvery = try c.decodeIfPresent(Period.self, forKey: .rotateEvery)
        protected = try c.decodeIfPresent(Bool.self, forKey: .protected) ?? false
        scopes = try c.decodeIfPresent([Scope].self, forKey: .scopes)
        allowedIPs = try c.decodeIfPresent([IPAddressRange].self, forKey: .allowedIPs)
        var recipients: [AgeRecipient] = []
        for text in try c.decode([String].self, forKey: .recipients) {
            do {
                recipients.append(try AgeRecipient(parsing: text))
            } catch {
                // Not quoted: an edited plan file could hold a secret identity here.
                throw DecodingError.dataCorruptedError(
                    forKey: .recipients, in: c, debugDescription: "not an age X25519 recipient (age1...)")
            }
        }
        self.recipients = recipients
    }
}
