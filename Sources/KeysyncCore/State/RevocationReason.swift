/// Why a key was revoked, as the state's `revoked_reason` records it. A closed set: apply has
/// only ever written these four, so a state holding anything else was edited by hand and is
/// refused when read. Display only: it never changes what apply or `verify` do.
public enum RevocationReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The key's entry is gone from the manifest.
    case removedFromManifest = "removed-from-manifest"
    /// The whole team is gone from the manifest.
    case teamRemoved = "team-removed"
    /// Replaced by a rotation.
    case rotated
    /// Replaced by an earlier rotation whose grace period has now ended.
    case rotationGraceEnded = "rotation-grace-ended"

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let reason = RevocationReason(rawValue: try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "not one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = reason
    }
}
