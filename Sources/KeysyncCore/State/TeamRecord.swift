/// What the state remembers of a team, so `verify` (403 when the plan has no API access) and
/// `expiring` (owner, contacts) can answer from the state alone, without the manifest.
public struct TeamRecord: Sendable, Hashable, Codable {
    public var name: String
    /// The product plan's name, as the manifest said it.
    public var plan: String
    /// Whether that plan allows API access at all.
    public var apiAccess: Bool
    public var owner: String?
    public var contacts: [String]
    /// The age recipients the team's new keys are sealed to, sorted: recorded so a swapped
    /// holder shows in the plan and in the state's history. `nil` in a version 1 state, which
    /// did not record them (the next apply does).
    public var recipients: [RecipientText]?
    /// The manifest's `protect: true` on the team, recorded at apply: a plan removing the team
    /// is refused (`team-protected`) until an applied change clears it. Written only when
    /// `true` (state version 3), so older states read as unprotected.
    public var protected: Bool = false

    public init(name: String, plan: String, apiAccess: Bool, owner: String? = nil, contacts: [String] = [],
                recipients: [RecipientText]? = nil) {
        self.name = name
        self.plan = plan
        self.apiAccess = apiAccess
        self.owner = owner
        self.contacts = contacts
        self.recipients = recipients
    }

    enum CodingKeys: String, CodingKey {
        case name, plan, apiAccess = "api_access", owner, contacts, recipients, protected
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(plan, forKey: .plan)
        try c.encode(apiAccess, forKey: .apiAccess)
        try c.encode(owner, forKey: .owner)  // explicit null: every field on its own line, always
        try c.encode(contacts, forKey: .contacts)
        try c.encodeIfPresent(recipients, forKey: .recipients)
        if protected { try c.encode(true, forKey: .protected) }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        plan = try c.decode(String.self, forKey: .plan)
        apiAccess = try c.decode(Bool.self, forKey: .apiAccess)
        owner = try c.decodeIfPresent(String.self, forKey: .owner)
        contacts = try c.decodeIfPresent([String].self, forKey: .contacts) ?? []
        recipients = try c.decodeIfPresent([RecipientText].self, forKey: .recipients)
        protected = try c.decodeIfPresent(Bool.self, forKey: .protected) ?? false
    }
}
