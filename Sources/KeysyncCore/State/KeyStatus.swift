/// Where a key is in its life. `revoked` is final: a revoked key is a tombstone, never revived.
public enum KeyStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Verifies.
    case active
    /// Deactivated on purpose (`active: false`); reversible.
    case inactive
    /// Permanently refused; the record stays so the history and the hash remain visible.
    case revoked

    /// Active or inactive: the key exists and can still change.
    public var isLive: Bool { self != .revoked }
}
