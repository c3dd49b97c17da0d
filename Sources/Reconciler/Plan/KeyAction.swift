/// The closed set of things a plan can do to a key. The order of the cases is the order
/// actions are listed and sorted in.
public enum KeyAction: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Mint a new key (new entry, or a name re-added after a revoke: revoked keys are never revived).
    case create
    /// Change description, owner, rate limit or expiry; no new key material.
    case update
    /// `renamed_from` names a live key: same key, new name.
    case rename
    /// `active: false`: refused until activated again.
    case deactivate
    /// `active: true` again.
    case activate
    /// `rotate` raised: mint a replacement and revoke the old key (at once, or after its grace).
    case rotate
    /// Refuse the key for good; the record stays as a tombstone.
    case revoke

    public static func < (lhs: KeyAction, rhs: KeyAction) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
