import Foundation
import Manifest
import XCTest
import Reconciler
import TestSupport

/// Rules the manifest and the plan share, checked from YAML text through the loader and the
/// planner: defaults reach the plan only through the keys they were applied to, and a key
/// nobody hears about is reported by `validate` and the plan in the same words.
final class ManifestToPlanTests: XCTestCase {
    typealias F = Fixture

    func load(_ yaml: String) throws -> (Manifest, [Diagnostic]) {
        let loaded = ManifestLoader.load([ManifestSource(path: "keys.yaml", bytes: Array(yaml.utf8))])
        return (try XCTUnwrap(loaded.manifest, "\(loaded.diagnostics)"), loaded.diagnostics)
    }

    func testDefaultsReachThePlanThroughTheKeysTheyWereAppliedTo() throws {
        let (manifest, _) = try load("""
        version: 1
        prefix: thig
        defaults:
          rate_limit: 5
          expires_in: 30d
          rotate_grace: 2h
        teams:
          payments:
            plan: enterprise
            owner: lead@example.com
            recipients: [\(F.recipient)]
            keys:
              - name: checkout
                rotate: 1
              - name: search
                rate_limit: 7
                expires: 2027-03-01
                rotate_grace: 5m
        """)
        let state = F.state(teams: [F.teamRecord("payments")], keys: [F.record(KeyID.test("k1"), name: "checkout", rateLimit: 5)])
        let (plan, diagnostics) = Planner.plan(manifest: manifest, state: state, now: F.now)
        XCTAssertEqual(diagnostics, [])

        let rotation = try XCTUnwrap(plan.keyChanges.first { $0.name == "checkout" })
        XCTAssertEqual(rotation.actions, [.rotate])
        XCTAssertEqual(rotation.newKey?.rateLimit, 5)
        XCTAssertEqual(rotation.newKey?.expiration, .after(Period(seconds: 30 * 86_400, text: "30d")))
        XCTAssertEqual(rotation.revocation?.grace, Period(seconds: 7_200, text: "2h"))

        let create = try XCTUnwrap(plan.keyChanges.first { $0.name == "search" })
        XCTAssertEqual(create.actions, [.create])
        XCTAssertEqual(create.newKey?.rateLimit, 7)
        XCTAssertEqual(create.newKey?.expiration, .at(F.date("2027-03-01T23:59:59Z")))
    }

    func testAnInheritedExpiryInThePastPointsAtTheDefault() throws {
        let (manifest, _) = try load("""
        version: 1
        prefix: thig
        defaults:
          expires: 2026-01-01
        teams:
          payments:
            plan: enterprise
            owner: lead@example.com
            recipients: [\(F.recipient)]
            keys:
              - name: checkout
        """)
        let (_, diagnostics) = Planner.plan(manifest: manifest, state: .empty, now: F.now)
        XCTAssertEqual(diagnostics.map(\.code), ["expires-in-past"])
        XCTAssertEqual(diagnostics.first?.location, SourceLocation(file: "keys.yaml", line: 4, column: 12))
    }

    func testValidateAndThePlanSayNoOwnerInTheSameWords() throws {
        let (manifest, diagnostics) = try load("""
        version: 1
        prefix: thig
        teams:
          search:
            plan: enterprise
            recipients: [\(F.recipient)]
            keys:
              - name: indexer
              - name: crawler
                owner: dev@example.com
          payments:
            plan: enterprise
            contacts: [oncall@example.com]
            recipients: [\(F.recipient)]
            keys:
              - name: checkout
        """)
        let warnings = diagnostics.filter { $0.code == "no-owner" }
        XCTAssertEqual(warnings.map(\.message), ["key search/indexer has no owner, and its team has neither owner nor contacts"])
        XCTAssertEqual(warnings.map(\.location), [SourceLocation(file: "keys.yaml", line: 8, column: 9)])

        let (plan, _) = Planner.plan(manifest: manifest, state: .empty, now: F.now)
        let notes = plan.notes.filter { $0.kind == .noOwner }
        XCTAssertEqual(notes.map(\.message), warnings.map(\.message))
        XCTAssertEqual(notes.map(\.hint), warnings.map(\.hint))
        XCTAssertEqual(notes.map(\.location), warnings.map(\.location))
    }
}
