import Foundation
import XCTest
@testable import Manifest

/// Fixtures live beside the tests; each invalid one states what it must produce in header
/// lines `# expect: <severity> <code> <line>:<column>` (positions in that same file).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func files(in folder: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: url(folder), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// `severity code file:line:column` per diagnostic, the shape expectations are written in.
    static func summary(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { d in
            let place = d.location.map { "\(($0.file as NSString).lastPathComponent) \($0.line):\($0.column)" } ?? "-"
            return "\(d.severity.rawValue) \(d.code) \(place)"
        }.sorted()
    }

    /// Reads `# expect:` lines of a file: `severity code line:column`, made comparable with `summary`.
    static func expectations(in url: URL) throws -> [String] {
        let text = try String(decoding: Data(contentsOf: url), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("# expect: ") else { return nil }
            let parts = line.dropFirst("# expect: ".count).split(separator: " ")
            return "\(parts[0]) \(parts[1]) \(url.lastPathComponent) \(parts[2])"
        }.sorted()
    }

    static func load(_ urls: [URL]) throws -> ManifestLoadResult {
        let sources = try urls.map { ManifestSource(path: $0.path, bytes: [UInt8](try Data(contentsOf: $0))) }
        return ManifestLoader.load(sources)
    }
}
