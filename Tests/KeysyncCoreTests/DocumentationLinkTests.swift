import Foundation
import XCTest

/// Every relative link in README.md and docs/*.md names a file that exists and, when it has a
/// `#fragment` into a Markdown file, a heading of that file (GitHub's anchors: lower case,
/// punctuation dropped, spaces as `-`). The reference moved from the README into docs/; this
/// keeps the links between them from rotting.
final class DocumentationLinkTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func testEveryRelativeLinkResolves() throws {
        let docs = root.appendingPathComponent("docs")
        let pages = [root.appendingPathComponent("README.md")]
            + (try FileManager.default.contentsOfDirectory(at: docs, includingPropertiesForKeys: nil))
            .filter { $0.pathExtension == "md" }.sorted { $0.path < $1.path }
        let link = try NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        var checked = 0
        for page in pages {
            let text = Self.withoutCodeBlocks(try String(contentsOf: page, encoding: .utf8))
            let range = NSRange(text.startIndex..., in: text)
            for match in link.matches(in: text, range: range) {
                let target = String(text[Range(match.range(at: 1), in: text)!])
                if target.range(of: #"^[a-z]+:"#, options: .regularExpression) != nil { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let path = String(parts[0])
                let destination = path.isEmpty ? page
                    : page.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
                checked += 1
                guard FileManager.default.fileExists(atPath: destination.path) else {
                    XCTFail("\(page.lastPathComponent): \(target): no such file")
                    continue
                }
                if parts.count == 2, destination.pathExtension == "md" {
                    let anchors = Self.anchors(try String(contentsOf: destination, encoding: .utf8))
                    XCTAssertTrue(anchors.contains(String(parts[1])),
                                  "\(page.lastPathComponent): \(target): no such heading")
                }
            }
        }
        XCTAssertGreaterThan(checked, 50, "the pages should link to each other")
    }

    static func withoutCodeBlocks(_ text: String) -> String {
        var inFence = false
        return text.components(separatedBy: "\n").filter { line in
            if line.hasPrefix("```") { inFence.toggle(); return false }
            return !inFence
        }.joined(separator: "\n")
    }

    /// GitHub's heading anchors.
    static func anchors(_ text: String) -> Set<String> {
        var found: Set<String> = []
        for line in withoutCodeBlocks(text).components(separatedBy: "\n") where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            let slug = title.lowercased().unicodeScalars.filter {
                CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == " "
            }
            found.insert(String(String.UnicodeScalarView(slug)).replacingOccurrences(of: " ", with: "-"))
        }
        return found
    }
}
