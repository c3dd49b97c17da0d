import Foundation
import XCTest

/// Runs `Fixtures/yaml/yaml_tool.py` (PyYAML + jsonschema): an independent reader for the
/// schema and CI template tests. Skips the test with a message when python3 or a module is missing.
enum YAMLTool {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/yaml/yaml_tool.py")

    static func run(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = try Python.executable(for: "to read YAML and check JSON schemas independently")
        process.arguments = [script.path] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let message = String(decoding: errData, as: UTF8.self)
        if process.terminationStatus == 3 {
            throw XCTSkip("\(message.trimmingCharacters(in: .whitespacesAndNewlines)); install python3-jsonschema python3-yaml")
        }
        guard process.terminationStatus == 0 else {
            XCTFail("yaml_tool.py \(arguments) exited \(process.terminationStatus): \(message)")
            return Data()
        }
        return outData
    }

    /// A YAML file as JSON objects (YAML 1.2 core scalars).
    static func load(_ url: URL) throws -> Any {
        try JSONSerialization.jsonObject(with: try run(["tojson", url.path]), options: [.fragmentsAllowed])
    }

    /// Each file's schema violations, by path.
    static func validate(schema: URL, files: [URL]) throws -> [String: [String]] {
        let data = try run(["validate", schema.path] + files.map(\.path))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String]])
    }
}
