import Manifest

/// A change to the state's record of a team. Apply replaces the record with `after`
/// (or removes it when `after` is `nil`).
public struct TeamChange: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable {
        /// A team the state does not know yet.
        case add
        /// Its plan, API access, owner, contacts, recipients or protection changed.
        case update
        /// The team is gone from the manifest (its keys are revoked by key changes).
        case remove
    }

    public var team: String
    public var action: Action
    public var before: TeamRecord?
    public var after: TeamRecord?
    /// The team's entry in the manifest; `nil` for a removal.
    public var location: SourceLocation?

    public init(team: String, action: Action, before: TeamRecord?, after: TeamRecord?, location: SourceLocation? = nil) {
        self.team = team
        self.action = action
        self.before = before
        self.after = after
        self.location = location
    }

    /// Names of the fields that differ (`plan`, `api_access`, `owner`, `contacts`,
    /// `recipients`, `protected`), for display.
    public var changedFields: [String] {
        var fields: [String] = []
        if before?.plan != after?.plan { fields.append("plan") }
        if before?.apiAccess != after?.apiAccess { fields.append("api_access") }
        if before?.owner != after?.owner { fields.append("owner") }
        if before?.contacts != after?.contacts { fields.append("contacts") }
        if before?.recipients != after?.recipients { fields.append("recipients") }
        if before?.protected != after?.protected { fields.append("protected") }
        return fields
    }

    /// Recipients the change adds and removes (a team the state has no record of: all added).
    public var recipientChanges: (added: [RecipientText], removed: [RecipientText]) {
        let old = Set(before?.recipients ?? []), new = Set(after?.recipients ?? [])
        return (new.subtracting(old).sorted(), old.subtracting(new).sorted())
    }

    enum CodingKeys: String, CodingKey { case team, action, before, after, location }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(team, forKey: .team)
        try c.encode(action, forKey: .action)
        try c.encode(before, forKey: .before)
        try c.encode(after, forKey: .after)
        try c.encode(location.map(CodableLocation.init), forKey: .location)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        team = try c.decode(String.self, forKey: .team)
        action = try c.decode(Action.self, forKey: .action)
        before = try c.decodeIfPresent(TeamRecord.self, forKey: .before)
        after = try c.decodeIfPresent(TeamRecord.self, forKey: .after)
        location = try c.decodeIfPresent(CodableLocation.self, forKey: .location)?.location
    }
}
