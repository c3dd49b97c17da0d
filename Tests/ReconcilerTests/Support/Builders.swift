import AgeFormat
import Foundation
import Manifest
import Reconciler

/// Builders for manifests and states written directly in Swift, so planner tests state their
/// inputs in a few lines. Locations are real-looking (`keys.yaml:<line>:<col>`) so tests can
/// check where diagnostics and notes point.
enum Fixture {
    /// The fixed clock of every test: 2026-11-25T12:00:00Z.
    static let now = date("2026-11-25T12:00:00Z")

    static func date(_ text: String) -> Date {
        guard let d = Timestamp.parse(text) else { fatalError("bad test date \(text)") }
        return d
    }

    static func at(_ line: Int, _ column: Int = 7) -> SourceLocation {
        SourceLocation(file: "keys.yaml", line: line, column: column)
    }

    /// A team's recipient as the manifest carries it (parsed) and as the state records it.
    static let recipient = try! AgeRecipient(parsing: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
    static let recipientText = RecipientText(rawValue: recipient.description)!

    static func key(
        _ name: String, line: Int = 10, description: String? = nil, owner: String? = nil,
        rateLimit: Int = 60, expiration: Expiration? = nil, active: Bool = true,
        renamedFrom: String? = nil, rotate: Int = 0, grace: String? = nil
    ) -> KeyDeclaration {
        KeyDeclaration(
            name: Located(name, at: at(line, 15)),
            description: description.map { Located($0, at: at(line + 1, 22)) },
            owner: owner.map { Located($0, at: at(line + 2, 16)) },
            rateLimit: Located(rateLimit, at: at(line + 3, 21)),
            expiration: expiration.map { Located($0, at: at(line + 4, 18)) },
            active: active,
            renamedFrom: renamedFrom.map { Located($0, at: at(line + 5, 23)) },
            rotate: rotate,
            rotateGrace: grace.map { Located(Period(parsing: $0)!, at: at(line + 6, 23)) },
            location: at(line, 9))
    }

    static func team(
        _ name: String, plan: String = "enterprise", owner: String? = "lead@example.com",
        contacts: [String] = [], line: Int = 5, keys: [KeyDeclaration] = []
    ) -> Team {
        Team(
            name: Located(name, at: at(line, 3)), plan: Located(plan, at: at(line + 1, 11)),
            owner: owner.map { Located($0, at: at(line + 2, 12)) },
            contacts: contacts.map { Located($0, at: at(line + 3, 15)) },
            recipients: keys.isEmpty ? [] : [Located(recipient, at: at(line + 4, 9))],
            keys: keys, location: at(line, 3))
    }

    static func manifest(_ teams: [Team], plans: [String: Tier] = Tier.defaults) -> Manifest {
        Manifest(version: 1, prefix: Located("thig", at: at(2, 9)), plans: plans,
                 teams: teams, digest: "sha256:" + String(repeating: "ab", count: 32))
    }

    /// A hash that is well-formed and unique per id (not a hash of anything: tests have no raw keys).
    static func hash(for id: KeyID) -> KeyHash {
        let hex = id.rawValue.utf8.map { String($0, radix: 16) }.joined()
        return KeyHash(rawValue: "sha256:" + String((hex + String(repeating: "0", count: 64)).prefix(64)))!
    }

    /// A well-formed preview that goes with `hash(for: id)`.
    static func preview(for id: KeyID) -> KeyPreview {
        let hex = hash(for: id).rawValue.dropFirst(7)
        return KeyPreview(rawValue: "thig_\(hex.prefix(4))...\(hex.suffix(4))")!
    }

    static func record(
        _ id: KeyID, team: String = "payments", name: String, generation: Int = 0,
        createdAt: String = "2026-10-01T09:00:00Z", expiresAt: String? = nil, rateLimit: Int = 60,
        description: String? = nil, owner: String? = nil, status: KeyStatus = .active,
        revokedAt: String? = nil, revokedReason: RevocationReason? = nil, revokeAfter: String? = nil
    ) -> KeyRecord {
        KeyRecord(
            id: id, team: team, name: name, generation: generation, hash: hash(for: id),
            preview: preview(for: id), createdAt: date(createdAt),
            createdBy: "ci", expiresAt: expiresAt.map(date), rateLimit: rateLimit,
            description: description, owner: owner, status: status,
            revokedAt: revokedAt.map(date), revokedReason: revokedReason,
            revokeAfter: revokeAfter.map(date), sealedFile: "000001-\(team).age")
    }

    static func teamRecord(_ name: String, plan: String = "enterprise", apiAccess: Bool = true,
                           owner: String? = "lead@example.com", contacts: [String] = [],
                           recipients: [RecipientText]? = [recipientText]) -> TeamRecord {
        TeamRecord(name: name, plan: plan, apiAccess: apiAccess, owner: owner, contacts: contacts, recipients: recipients)
    }

    static func state(teams: [TeamRecord], keys: [KeyRecord], serial: Int = 3) -> StateFile {
        StateFile(lineage: "5c1f0a9e-2b7d-4c3e-9f10-0d7e6a1b2c3d", serial: serial, teams: teams, keys: keys)
    }
}
