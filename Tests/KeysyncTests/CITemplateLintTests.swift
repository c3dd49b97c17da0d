import Foundation
import XCTest

/// The shipped CI templates and the GitHub Action (action.yml) pass the field's own checkers:
/// zizmor (the GitHub Actions security linter) with no finding, and check-jsonschema against the
/// public GitHub workflow, GitHub action and GitLab CI schemas. Both come from PyPI; `.ci/run` installs them, elsewhere these tests skip saying so.
final class CITemplateLintTests: XCTestCase {
    private let folder = YAMLTool.repository.appendingPathComponent("examples/ci")

    /// The first `name` on PATH, as a developer's shell would find it.
    private func tool(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw XCTSkip("\(name) is not installed (pip install \(name); .ci/run does)")
    }

    private func run(_ tool: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    func testGitHubWorkflowAndActionHaveNoZizmorFinding() throws {
        let zizmor = try tool("zizmor")
        for file in [folder.appendingPathComponent("github-actions.yml"), YAMLTool.repository.appendingPathComponent("action.yml")] {
            let result = try run(zizmor, ["--offline", "--no-progress", file.path])
            XCTAssertEqual(result.status, 0, "\(file.lastPathComponent): \(result.output)")
            XCTAssertTrue(result.output.contains("No findings to report"), "\(file.lastPathComponent): \(result.output)")
        }
    }

    func testTemplatesValidateAgainstTheirPublicSchemas() throws {
        let checker = try tool("check-jsonschema")
        for (schema, file) in [("vendor.github-workflows", folder.appendingPathComponent("github-actions.yml")),
                               ("vendor.gitlab-ci", folder.appendingPathComponent("gitlab-ci.yml")),
                               ("vendor.github-actions", YAMLTool.repository.appendingPathComponent("action.yml"))] {
            let result = try run(checker, ["--builtin-schema", schema, file.path])
            XCTAssertEqual(result.status, 0, "\(file.lastPathComponent): \(result.output)")
        }
    }

    /// What zizmor checks, said here too so it holds where zizmor is missing: every action is
    /// pinned to a full commit, no checkout keeps credentials, and the workflow grants nothing by
    /// default.
    func testEveryActionIsPinnedAndNoCheckoutKeepsCredentials() throws {
        let text = try String(contentsOf: folder.appendingPathComponent("github-actions.yml"), encoding: .utf8)
        let uses = text.split(separator: "\n").filter { $0.contains("uses:") }
        XCTAssertFalse(uses.isEmpty)
        for line in uses {
            let reference = line.split(separator: "@").last.map { String($0.prefix { !$0.isWhitespace }) } ?? ""
            XCTAssertTrue(reference.count == 40 && reference.allSatisfy(\.isHexDigit), "not pinned to a commit: \(line)")
            XCTAssertTrue(line.contains("# v"), "no version comment: \(line)")
        }
        let checkouts = uses.filter { $0.contains("actions/checkout@") }.count
        let noCredentials = text.components(separatedBy: "persist-credentials: false").count - 1
        XCTAssertEqual(noCredentials, checkouts, "every checkout sets persist-credentials: false")
        XCTAssertTrue(text.contains("\npermissions: {}\n"))
    }
}
