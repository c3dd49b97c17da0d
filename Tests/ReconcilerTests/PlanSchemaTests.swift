import Foundation
import PlanRendering
import XCTest
import Reconciler

/// The documented schema (`docs/plan-format-1.schema.json`) must accept every plan keysync
/// writes and reject what it does not. Checked with Python's `jsonschema` (Debian's
/// `python3-jsonschema`, installed by the CI script); skipped where it is missing.
final class PlanSchemaTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let schema = root.appendingPathComponent("docs/plan-format-1.schema.json")

    static let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        bad = 0
        for path in sys.argv[2:]:
            errors = list(validator.iter_errors(json.load(open(path))))
            for e in errors:
                print(path, list(e.path), e.message)
            bad += 1 if errors else 0
        sys.exit(1 if bad else 0)
        """

    /// Exit status and output of the validator over `documents`.
    func validate(_ documents: [String]) throws -> (Int32, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keysync-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, document) in documents.enumerated() {
            let url = dir.appendingPathComponent("\(i).json")
            try Data(document.utf8).write(to: url)
            paths.append(url.path)
        }
        let process = Process()
        // The first python3 on PATH, as a developer's shell would pick it.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, Self.schema.path] + paths
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw XCTSkip("python3 is not installed; the CI script installs python3-jsonschema")
        }
        if output.contains("No module named 'jsonschema'") {
            throw XCTSkip("python3-jsonschema is not installed; the CI script installs it")
        }
        return (process.terminationStatus, output)
    }

    func testEveryGoldenPlanMatchesTheSchema() throws {
        let documents = try PlanGoldenTests.expectedCases.map { try JSONPlanRenderer.render(PlanGoldenTests.plan($0)) }
        let (status, output) = try validate(documents)
        XCTAssertEqual(status, 0, output)
    }

    func testSchemaRejectsAnotherFormatVersionAndAnUnknownAction() throws {
        let plan = JSONPlanRenderer.render(try PlanGoldenTests.plan("mixed"))
        let documents = [
            plan.replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 2"),
            plan.replacingOccurrences(of: "\"activate\"\n", with: "\"resurrect\"\n"),
            plan.replacingOccurrences(of: "\"field\": \"rate_limit\",\n          \"new\": 600", with: "\"field\": \"rate_limit\",\n          \"new\": \"600\""),
        ]
        XCTAssertNotEqual(documents[0], plan)
        XCTAssertNotEqual(documents[1], plan)
        XCTAssertNotEqual(documents[2], plan)
        for document in documents {
            let (status, output) = try validate([document])
            XCTAssertEqual(status, 1, output)
            XCTAssertTrue(output.contains(".json ["), "a schema violation, not a crash: \(output)")
        }
    }
}
