import AgeFormat
import Foundation
import Manifest
import Reconciler
import XCTest

/// Drives manifest → plan → `ApplyEngine.prepare` with a fixed clock and a seeded generator,
/// and opens sealed files with an identity made in the test.
struct ApplyHarness {
    let identity: AgeIdentity
    var generator: SeededGenerator
    let context = AuditContext(actor: "ci-bot", commit: "0123456789abcdef0123456789abcdef01234567")

    init(seed: UInt64 = 42) {
        var identityGenerator = SeededGenerator(seed: seed &+ 1000)
        identity = AgeIdentity.generate(using: &identityGenerator)
        generator = SeededGenerator(seed: seed)
    }

    /// A manifest with prefix `thig`; `teams` is the YAML under `teams:` where `RECIPIENT`
    /// stands for the test identity's recipient.
    func manifest(_ teams: String, file: StaticString = #filePath, line: UInt = #line) -> Manifest {
        let text = "version: 1\nprefix: thig\nteams:\n"
            + teams.replacingOccurrences(of: "RECIPIENT", with: identity.recipient.description)
        let result = ManifestLoader.load([ManifestSource(path: "keys.yaml", bytes: Array(text.utf8))])
        guard let manifest = result.manifest else {
            XCTFail("test manifest invalid: \(result.diagnostics)", file: file, line: line)
            preconditionFailure()
        }
        return manifest
    }

    /// One team `payments` on enterprise holding `keys` (YAML list items, indented 6).
    func payments(_ keys: String) -> Manifest {
        manifest("""
              payments:
                plan: enterprise
                owner: lead@example.com
                recipients: [RECIPIENT]
                keys:
            \(keys)
            """)
    }

    func plan(_ manifest: Manifest, _ state: StateFile, at now: Date = Fixture.now) -> Plan {
        let (plan, diagnostics) = Planner.plan(manifest: manifest, state: state, now: now)
        XCTAssertFalse(diagnostics.hasErrors, "\(diagnostics)")
        return plan
    }

    /// Plans and prepares; the returned state is what apply would write.
    mutating func apply(
        _ manifest: Manifest, to state: StateFile, history: RepositoryHistory.Continuation? = nil,
        at now: Date = Fixture.now, armor: Bool = false
    ) throws -> (plan: Plan, prepared: PreparedApply) {
        let plan = plan(manifest, state, at: now)
        let prepared = try ApplyEngine.prepare(
            plan: plan, state: state, history: history, now: now, context: context, armor: armor, using: &generator)
        return (plan, prepared)
    }

    func open(_ ciphertext: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> SealedKeyDocument {
        let plaintext = try AgeDecryptor.decrypt(ciphertext, with: [identity])
        guard let document = SealedKeyDocument.decode(plaintext) else {
            XCTFail("not a sealed key document", file: file, line: line)
            throw CocoaError(.fileReadCorruptFile)
        }
        return document
    }
}

extension SealedKeyDocument.Entry {
    /// What the state stores for this raw key (the key also passes its checksum).
    var hash: KeyHash? { try? APIKey(parsing: key, prefix: "thig").hash }
}
