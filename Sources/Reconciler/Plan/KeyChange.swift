import Manifest

/// Everything the plan does to one key, with all apply needs to do it without diffing again.
///
/// What must hold, per action (`actions` is sorted and never empty):
/// - `create`: `keyID == nil`, `newKey != nil`, `revocation == nil`, `changes` empty.
/// - `update`/`rename`/`deactivate`/`activate` (any combination): `keyID` set, `changes` holds
///   every field to set (a rename has a `.name` change and `previousName`).
/// - `rotate` (alone): `keyID` is the key being replaced, `newKey` the replacement (minted under
///   `name`), `revocation` says how the old key leaves (`grace` set: keep it until then).
///   `changes` shows how the replacement differs from the old key, for reviewers.
/// - `revoke` (alone): `keyID` set, `revocation` set.
/// - `reason` is set only on a rotation the schedule asked for (`rotate_every`); display and
///   audit only, like Terraform's `action_reason`: apply rotates the same way either way.
public struct KeyChange: Sendable, Hashable, Codable {
    /// Why a change happens when the manifest did not ask for it in so many words.
    public enum Reason: String, Sendable, Hashable, Codable {
        /// The current key is older than `rotate_every`.
        case due
    }

    public var team: String
    /// The key's name after the change; for a revoke, its name in the state.
    public var name: String
    public var actions: [KeyAction]
    /// The existing key acted on; `nil` only for a create.
    public var keyID: KeyID?
    /// The existing key's name before a rename (or a rotation that also renames).
    public var previousName: String?
    /// The existing key's preview, so reviewers can recognise it.
    public var preview: KeyPreview?
    /// Fields going from old to new, in `KeyFieldChange.fieldOrder`.
    public var changes: [KeyFieldChange]
    public var newKey: NewKey?
    public var revocation: Revocation?
    /// `.due` on a scheduled rotation; `nil` otherwise.
    public var reason: Reason? = nil
    /// The manifest entry behind the change; `nil` when the entry is gone (a revoke).
    public var location: SourceLocation?

    public init(
        team: String, name: String, actions: [KeyAction], keyID: KeyID? = nil,
        previousName: String? = nil, preview: KeyPreview? = nil, changes: [KeyFieldChange] = [],
        newKey: NewKey? = nil, revocation: Revocation? = nil, location: SourceLocation? = nil
    ) {
        self.team = team
        self.name = name
        self.actions = Array(Set(actions)).sorted()
        self.keyID = keyID
        self.previousName = previousName
        self.preview = preview
        self.changes = changes.sorted { $0.rank < $1.rank }
        self.newKey = newKey
        self.revocation = revocation
        self.location = location
    }

    /// The action that decides how the change is drawn (`+`, `~`, `-/+`, `-`) and sorted.
    public var primaryAction: KeyAction {
        if actions.contains(.create) { return .create }
        if actions.contains(.rotate) { return .rotate }
        if actions.contains(.revoke) { return .revoke }
        return actions.first ?? .update
    }

    enum CodingKeys: String, CodingKey {
        case team, name, actions, keyID = "key_id", previousName = "previous_name", preview
        case changes, newKey = "new_key", revocation, location, reason
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(team, forKey: .team)
        try c.encode(name, forKey: .name)
        try c.encode(actions, forKey: .actions)
        try c.encode(keyID, forKey: .keyID)
        try c.encode(previousName, forKey: .previousName)
        try c.encode(preview, forKey: .preview)
        try c.encode(changes, forKey: .changes)
        try c.encode(newKey, forKey: .newKey)
        try c.encode(revocation, forKey: .revocation)
        try c.encode(location.map(CodableLocation.init), forKey: .location)
        // Only on a scheduled rotation, so every other change keeps its shape.
        try c.encodeIfPresent(reason, forKey: .reason)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let reason = try c.decodeIfPresent(Reason.self, forKey: .reason)
        self.init(
            team: try c.decode(String.self, forKey: .team),
            name: try c.decode(String.self, forKey: .name),
            actions: try c.decode([KeyAction].self, forKey: .actions),
            keyID: try c.decodeIfPresent(KeyID.self, forKey: .keyID),
            previousName: try c.decodeIfPresent(String.self, forKey: .previousName),
            preview: try c.decodeIfPresent(KeyPreview.self, forKey: .preview),
            changes: try c.decode([KeyFieldChange].self, forKey: .changes),
            newKey: try c.decodeIfPresent(NewKey.self, forKey: .newKey),
            revocation: try c.decodeIfPresent(Revocation.self, forKey: .revocation),
            location: try c.decodeIfPresent(CodableLocation.self, forKey: .location)?.location)
        self.reason = reason
    }
}

/// `SourceLocation` as `{"file", "line", "column"}` in plan JSON.
struct CodableLocation: Codable {
    var file: String
    var line: Int
    var column: Int

    init(_ location: SourceLocation) {
        file = location.file
        line = location.line
        column = location.column
    }

    var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }
}
