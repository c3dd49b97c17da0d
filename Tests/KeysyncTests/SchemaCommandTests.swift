import Foundation
import XCTest

/// `keysync schema` and the committed `schema/keys.schema.json`, checked with an independent
/// JSON Schema validator (Python's jsonschema) against the manifest fixtures.
final class SchemaCommandTests: XCTestCase {
    private let committed = YAMLTool.repository.appendingPathComponent("schema/keys.schema.json")
    private let manifestFixtures = YAMLTool.repository.appendingPathComponent("Tests/ManifestTests/Fixtures")

    func testCommittedSchemaIsUpToDate() throws {
        let result = try Keysync.run(["schema"])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let file = try String(decoding: Data(contentsOf: committed), as: UTF8.self)
        XCTAssertEqual(result.stdout, file,
                       "schema/keys.schema.json is out of date: run `swift run keysync schema > schema/keys.schema.json`")
        XCTAssertTrue(result.stdout.contains("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\""))
    }

    private func yamlFiles(_ folder: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: manifestFixtures.appendingPathComponent(folder),
                                                    includingPropertiesForKeys: nil)
            .filter { ["yaml", "yml"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
    }

    func testExampleAndValidFixturesSatisfyTheSchema() throws {
        let valid = [YAMLTool.repository.appendingPathComponent("examples/keys.yaml")]
            + (try yamlFiles("valid")) + (try yamlFiles("folders/valid-multi"))
        XCTAssertGreaterThanOrEqual(valid.count, 5)
        // The validator agrees that each of them is (part of) a valid manifest.
        for path in [valid[0].path, manifestFixtures.appendingPathComponent("folders/valid-multi").path]
            + (try yamlFiles("valid")).map(\.path) {
            XCTAssertEqual(try Keysync.run(["validate", path, "--format", "json"]).exitCode, 0, path)
        }
        let report = try YAMLTool.validate(schema: committed, files: valid)
        XCTAssertEqual(report.count, valid.count)
        for file in valid {
            XCTAssertEqual(report[file.path], [], "\(file.lastPathComponent) should satisfy the schema")
        }
    }

    /// Every invalid fixture whose problem is a type, a range, a pattern, an unknown or missing
    /// field, or a rule between fields of one mapping must fail the schema too. The others need
    /// the whole manifest (plans, uniqueness, renames) or are YAML-level rules the schema cannot see.
    func testInvalidFixturesWithShapeErrorsFailTheSchema() throws {
        let shapeErrors: Set<String> = [
            "empty-file", "expires-conflict", "invalid-date", "invalid-email", "invalid-name", "invalid-period",
            "invalid-prefix", "invalid-recipient", "missing-field", "missing-recipients", "out-of-range",
            "rate-limit-range", "unknown-field", "unsupported-version", "wrong-type-boolean",
            "wrong-type-quoted-integer", "wrong-type-shape",
        ]
        let files = try yamlFiles("invalid").filter { shapeErrors.contains($0.deletingPathExtension().lastPathComponent) }
        XCTAssertEqual(Set(files.map { $0.deletingPathExtension().lastPathComponent }), shapeErrors)
        let report = try YAMLTool.validate(schema: committed, files: files)
        for file in files {
            let problems = try XCTUnwrap(report[file.path], file.lastPathComponent)
            XCTAssertFalse(problems.isEmpty, "\(file.lastPathComponent) passes the schema but the validator refuses it")
        }
        // A type error names the field it is about.
        XCTAssertTrue(report[files.first { $0.lastPathComponent == "wrong-type-boolean.yaml" }!.path]!
            .contains { $0.contains("active") && $0.contains("boolean") }, "\(report)")
    }
}
