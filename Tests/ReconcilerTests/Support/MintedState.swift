import Foundation
import Reconciler

/// A state whose hashes and previews come from real keys (`APIKey.mint` with a seeded
/// generator), so verification can be tested end to end. The raw keys stay in `keys`; tests
/// must never put them in failure messages.
struct MintedState {
    var state: StateFile
    /// Raw keys by label (`team/name`, or a label the builder chose).
    var keys: [String: APIKey] = [:]
    private var generator: SeededGenerator

    init(seed: UInt64 = 7, prefix: String? = "thig", teams: [TeamRecord]) {
        generator = SeededGenerator(seed: seed)
        state = StateFile(lineage: "5c1f0a9e-2b7d-4c3e-9f10-0d7e6a1b2c3d", serial: 4, prefix: prefix, teams: teams)
    }

    /// Mints a key and records it; returns its id.
    @discardableResult
    mutating func add(
        _ label: String, team: String, name: String, generation: Int = 0, prefix: String = "thig",
        expiresAt: Date? = nil, rateLimit: Int = 60, owner: String? = nil, status: KeyStatus = .active,
        revokeAfter: Date? = nil, createdAt: Date = Fixture.date("2026-10-01T09:00:00Z")
    ) -> KeyID {
        let key = try! APIKey.mint(prefix: prefix, using: &generator)
        let id = KeyID.mint(using: &generator)
        state.keys.append(KeyRecord(
            id: id, team: team, name: name, generation: generation, hash: key.hash, preview: key.preview,
            createdAt: createdAt, createdBy: "ci", expiresAt: expiresAt, rateLimit: rateLimit, owner: owner,
            status: status, revokedAt: status == .revoked ? Fixture.date("2026-11-01T00:00:00Z") : nil,
            revokedReason: status == .revoked ? .removedFromManifest : nil,
            revokeAfter: revokeAfter, sealedFile: "000004-\(team).age"))
        keys[label] = key
        return id
    }

    /// A key of `prefix` that the state does not know.
    mutating func stranger(prefix: String = "thig") -> APIKey {
        try! APIKey.mint(prefix: prefix, using: &generator)
    }
}
