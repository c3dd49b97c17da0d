import Foundation

/// How a key stands at a given instant, as `list` shows it and `verify` decides it: the
/// record's `status` corrected by the clock. A record still saying `active` is `expired` once
/// `expires_at` has passed, and a rotated-out key is `revoked` once its `revoke_after` has
/// passed — before any plan has caught up with either.
public enum KeyCondition: String, Sendable, Hashable, CaseIterable {
    case active, inactive, expired, revoked

    /// The same precedence as `KeyVerifier`: revoked, then inactive, then expired.
    public init(_ record: KeyRecord, at now: Date) {
        if record.status == .revoked || record.revokeAfter.map({ $0 <= now }) == true {
            self = .revoked
        } else if record.status == .inactive {
            self = .inactive
        } else if record.isExpired(at: now) {
            self = .expired
        } else {
            self = .active
        }
    }
}
