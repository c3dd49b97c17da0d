import Foundation

/// One change to one key, as the audit log records it: who, when, from which commit, and what
/// changed.
///
/// Events never carry raw key material: at most the hash and preview the state already holds.
/// The chain link (`prev`) is not part of the value; `AuditLog` adds it when it writes the line,
/// because it depends on where the line lands, not on what happened.
public struct AuditEvent: Equatable, Sendable, Codable {
    /// The closed set of actions, spelled as they appear in the log.
    public enum Kind: String, Equatable, Hashable, Sendable, Codable, CaseIterable {
        case keyCreated = "key.created"
        case keyUpdated = "key.updated"
        case keyRenamed = "key.renamed"
        case keyDeactivated = "key.deactivated"
        case keyActivated = "key.activated"
        case keyRotated = "key.rotated"
        case keyRevoked = "key.revoked"
    }

    /// When the apply ran; written as RFC 3339 UTC with whole seconds (fractions are dropped).
    public var time: Date
    public var event: Kind
    /// Who caused it: see `AuditContext`.
    public var actor: String
    /// The commit of the manifest that was applied, when known.
    public var commit: String?
    /// The state serial this change produced.
    public var serial: Int
    public var keyID: KeyID
    public var team: String
    public var name: String
    /// Field name (as in the state) → before and after.
    public var changes: [String: AuditChange]

    public init(
        time: Date, event: Kind, actor: String, commit: String?, serial: Int, keyID: KeyID,
        team: String, name: String, changes: [String: AuditChange] = [:]
    ) {
        self.time = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        self.event = event
        self.actor = actor
        self.commit = commit
        self.serial = serial
        self.keyID = keyID
        self.team = team
        self.name = name
        self.changes = changes
    }

    private enum CodingKeys: String, CodingKey {
        case event, team, name, changes
        case keyID = "key_id"
    }

    public init(from decoder: Decoder) throws {
        let stamp = try AuditStamp(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            time: stamp.time, event: try container.decode(Kind.self, forKey: .event), actor: stamp.actor,
            commit: stamp.commit, serial: stamp.serial, keyID: try container.decode(KeyID.self, forKey: .keyID),
            team: try container.decode(String.self, forKey: .team), name: try container.decode(String.self, forKey: .name),
            changes: try container.decode([String: AuditChange].self, forKey: .changes))
    }

    /// Every field is always present (`commit` as `null` when unknown), so lines have one shape.
    public func encode(to encoder: Encoder) throws {
        try AuditStamp(time: time, actor: actor, commit: commit, serial: serial).encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
        try container.encode(keyID, forKey: .keyID)
        try container.encode(team, forKey: .team)
        try container.encode(name, forKey: .name)
        try container.encode(changes, forKey: .changes)
    }
}
