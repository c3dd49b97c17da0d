import Foundation
import KeysyncCore
import XCTest

/// `DiagnosticCode` is the one list of codes: the docs list exactly its codes (the manifest's in
/// docs/manifest.md, the rest in docs/diagnostics.md), and every code the sources spell as text
/// is in it.
final class DiagnosticCodeRegistryTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The codes in the first column of `| \`code\` | … |` table rows of a docs page, within the
    /// section `section` when given (up to the next heading of its level).
    private func documentedCodes(_ page: String, section: String? = nil) throws -> [String] {
        var text = try String(contentsOf: root.appendingPathComponent("docs/\(page)"), encoding: .utf8)
        if let section {
            let start = try XCTUnwrap(text.range(of: "\n\(section)\n"), "\(page) has no \(section)")
            let rest = text[start.upperBound...]
            text = String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
        }
        let row = try NSRegularExpression(pattern: #"^\| `([a-z0-9-]+)` \|"#, options: .anchorsMatchLines)
        return row.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
            String(text[Range($0.range(at: 1), in: text)!])
        }
    }

    func testManifestDocsListExactlyTheManifestCodes() throws {
        let documented = try documentedCodes("manifest.md", section: "## Validation codes")
        let registered = DiagnosticCode.allCases.filter { $0.area == .manifest }.map(\.rawValue)
        XCTAssertEqual(Set(documented).subtracting(registered), [], "documented in manifest.md but not registered")
        XCTAssertEqual(Set(registered).subtracting(documented), [], "registered but not documented in manifest.md")
        XCTAssertEqual(documented.count, Set(documented).count, "a code is documented twice")
    }

    func testDiagnosticsDocsListExactlyTheOtherCodes() throws {
        let documented = try documentedCodes("diagnostics.md")
        let registered = DiagnosticCode.allCases.filter { $0.area != .manifest }.map(\.rawValue)
        XCTAssertEqual(Set(documented).subtracting(registered), [], "documented in diagnostics.md but not registered")
        XCTAssertEqual(Set(registered).subtracting(documented), [], "registered but not documented in diagnostics.md")
        XCTAssertEqual(documented.count, Set(documented).count, "a code is documented twice")
    }

    /// Codes written as text (`.error("apply-write", …)`) rather than as `DiagnosticCode` cases
    /// must still be registered, or a new one would slip past the docs.
    func testEveryCodeSpelledInTheSourcesIsRegistered() throws {
        let sources = root.appendingPathComponent("Sources")
        let call = try NSRegularExpression(pattern: #"\.(?:error|warning)\(\s*"([a-z0-9-]+)""#)
        let registered = Set(DiagnosticCode.allCases.map(\.rawValue))
        var seen = 0
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in call.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let code = String(text[Range(match.range(at: 1), in: text)!])
                seen += 1
                XCTAssertTrue(registered.contains(code), "\(file.lastPathComponent) reports \(code), which DiagnosticCode does not list")
            }
        }
        XCTAssertGreaterThan(seen, 0, "the scan found no code at all; has the call syntax changed?")
    }

    func testCodesAreKebabCaseAndUnique() {
        let raw = DiagnosticCode.allCases.map(\.rawValue)
        XCTAssertEqual(raw.count, Set(raw).count)
        for code in raw {
            XCTAssertNotNil(code.range(of: #"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"#, options: .regularExpression), code)
        }
    }

    /// The core's errors become the one `Diagnostic` with their registered code, message and place.
    func testCoreErrorsConvertToDiagnostics() {
        let floor = StateFloorError.older(floor: StateFloor(lineage: "l", serial: 5), found: 3)
        XCTAssertEqual(floor.diagnostic(file: "keysync.state.json"),
                       .error(.stateRolledBack, floor.description, at: SourceLocation(file: "keysync.state.json", line: 1, column: 1)))
        XCTAssertEqual(floor.code, "state-rolled-back")
        let key = APIKeyError.badChecksum
        XCTAssertEqual(key.diagnostic.code, "key-bad-checksum")
        XCTAssertEqual(key.diagnostic.message, key.description)
        XCTAssertNil(key.diagnostic.location)
        XCTAssertEqual(key.diagnostic.registeredCode, .keyBadChecksum)
        let signature = StateSignatureError.missingSignature
        XCTAssertEqual(signature.diagnostic(file: nil).code, "state-signature-missing")
        XCTAssertEqual(signature.diagnostic(file: nil).hint, signature.hint)
    }
}
