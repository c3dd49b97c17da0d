import Foundation

/// How a key stands at a given instant, as `list` shows it and `KeyVerifier` decides it: the
/// record's `status` corrected by the clock. A record still saying `active` is `expired` once
/// `expires_at` has passed, and a rotated-out key is `revoked` once its `revoke_after` has
/// passed — before any plan has caught up with either. The one precedence: revoked, then
/// inactive, then expired.
public enum KeyCondition: String, Sendable, Hashable, CaseIterable {
    case active, inactive, expired, revoked

    public init(_ record: KeyRecord, at now: Date) {
        self.init(
            status: record.status,
            expiresAt: record.expiresAt?.timeIntervalSinceReferenceDate ?? .infinity,
            revokeAfter: record.revokeAfter?.timeIntervalSinceReferenceDate ?? .infinity,
            now: now.timeIntervalSinceReferenceDate)
    }

    /// The same decision on seconds since the reference date (`+infinity` for "never"), for
    /// the verifier's hot path, which keeps its records in that form. Both ends inclusive: at
    /// `expires_at` the key no longer works, nor at `revoke_after`.
    @inlinable
    public init(status: KeyStatus, expiresAt: Double, revokeAfter: Double, now: Double) {
        if status == .revoked || revokeAfter <= now {
            self = .revoked
        } else if status == .inactive {
            self = .inactive
        } else if expiresAt <= now {
            self = .expired
        } else {
            self = .active
        }
    }
}
