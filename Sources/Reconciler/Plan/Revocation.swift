import Manifest

/// How an existing key (the change's `keyID`) leaves: why, and — for a rotation with
/// `rotate_grace` — how long it keeps working after its replacement is created.
public struct Revocation: Sendable, Hashable, Codable {
    /// Stored as the record's `revoked_reason` (the state's own type, so apply stores the
    /// plan's value as it is); display only, it never changes what apply does.
    public typealias Reason = RevocationReason

    public var reason: Reason
    /// Only on a rotation: when set, apply does not revoke the old key but sets its
    /// `revoke_after` to the replacement's creation time plus this; a later plan revokes it.
    public var grace: Period?

    public init(reason: Reason, grace: Period? = nil) {
        self.reason = reason
        self.grace = grace
    }

    enum CodingKeys: String, CodingKey { case reason, grace }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reason, forKey: .reason)
        try c.encode(grace, forKey: .grace)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reason = try c.decode(Reason.self, forKey: .reason)
        grace = try c.decodeIfPresent(Period.self, forKey: .grace)
    }
}
