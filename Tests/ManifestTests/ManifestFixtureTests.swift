import XCTest
@testable import Manifest

/// One fixture per rule: each invalid file must produce exactly the diagnostics its header
/// names (code, line and column), and no manifest.
final class ManifestFixtureTests: XCTestCase {
    func testEveryInvalidFixtureReportsExactlyItsExpectations() throws {
        let files = try Fixtures.files(in: "invalid")
        XCTAssertGreaterThanOrEqual(files.count, 25)
        for file in files {
            let expected = try Fixtures.expectations(in: file)
            XCTAssertFalse(expected.isEmpty, "\(file.lastPathComponent) states no expectation")
            let result = try Fixtures.load([file])
            XCTAssertEqual(Fixtures.summary(result.diagnostics), expected, file.lastPathComponent)
            XCTAssertNil(result.manifest, file.lastPathComponent)
            for d in result.diagnostics {
                XCTAssertNotNil(d.hint, "\(d) has no hint")
                XCTAssertEqual(d.message.first.map { $0.isUppercase }, false, "\(d) should start lower-case")
            }
        }
    }

    func testEveryErrorCodeHasAnInvalidFixture() throws {
        let covered = Set(try Fixtures.files(in: "invalid").flatMap { try Fixtures.expectations(in: $0) }
            .map { String($0.split(separator: " ")[1]) })
        // Covered elsewhere: hostile input and reading are generated in ManifestHostileInputTests
        // and ManifestReadSourcesTests; folder rules in ManifestFolderTests; no-owner is a warning.
        let elsewhere: Set<String> = [
            "too-deep", "file-too-large", "path-not-found", "unreadable-file", "no-manifest-files",
            "duplicate-team", "duplicate-global", "no-owner",
        ]
        for code in DiagnosticCode.allCases where code.area == .manifest && !elsewhere.contains(code.rawValue) {
            XCTAssertTrue(covered.contains(code.rawValue), "no fixture for \(code.rawValue)")
        }
    }

    func testValidFixturesLoadWithOnlyTheirExpectedWarnings() throws {
        for file in try Fixtures.files(in: "valid") {
            let result = try Fixtures.load([file])
            XCTAssertEqual(Fixtures.summary(result.diagnostics), try Fixtures.expectations(in: file),
                           file.lastPathComponent)
            XCTAssertNotNil(result.manifest, file.lastPathComponent)
        }
    }
}

/// docs/manifest.md is the codes' documentation: every code must be listed there.
final class ManifestCodeDocumentationTests: XCTestCase {
    func testManifestDocumentsEveryCode() throws {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/manifest.md")
        let text = try String(decoding: Data(contentsOf: doc), as: UTF8.self)
        for code in DiagnosticCode.allCases where code.area == .manifest {
            XCTAssertTrue(text.contains("| `\(code.rawValue)` |"), "docs/manifest.md does not document \(code.rawValue)")
        }
    }
}
