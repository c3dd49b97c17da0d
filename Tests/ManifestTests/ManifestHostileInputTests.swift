import XCTest
@testable import Manifest

/// Input meant to exhaust memory or time must fail fast with a clear error.
final class ManifestHostileInputTests: XCTestCase {
    func load(_ text: String) -> ManifestLoadResult {
        ManifestLoader.load([ManifestSource(path: "keys.yaml", bytes: Array(text.utf8))])
    }

    func testBillionLaughsIsRefusedNotExpanded() {
        var text = "version: 1\nprefix: thig\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for level in 1...9 {
            let previous = Character(UnicodeScalar(UInt8(96 + level)))
            let name = Character(UnicodeScalar(UInt8(97 + level)))
            let refs = Array(repeating: "*\(previous)", count: 9).joined(separator: ",")
            text += "\(name): &\(name) [\(refs)]\n"
        }
        let result = load(text)
        XCTAssertNil(result.manifest)
        let aliases = result.diagnostics.filter { $0.code == "alias-not-allowed" }
        XCTAssertEqual(aliases.count, 1, "reported once per file, with a count")
        XCTAssertEqual(aliases.first?.location, SourceLocation(file: "keys.yaml", line: 3, column: 4))
        XCTAssertTrue(aliases.first?.message.contains("and 90 more") ?? false, aliases.first?.message ?? "")
    }

    func testDeepNestingStopsAtTheDepthLimit() {
        let depth = 10_000
        let text = "version: 1\nprefix: thig\nteams: " + String(repeating: "[", count: depth)
            + String(repeating: "]", count: depth) + "\n"
        let result = load(text)
        XCTAssertNil(result.manifest)
        XCTAssertEqual(Fixtures.summary(result.diagnostics),
                       ["error too-deep keys.yaml 3:71", "error wrong-type keys.yaml 3:8"])
    }

    func testDeepBlockNestingStopsAtTheDepthLimit() {
        var text = "version: 1\nprefix: thig\n"
        for level in 0..<200 { text += String(repeating: " ", count: level) + "a:\n" }
        let result = load(text)
        XCTAssertEqual(Fixtures.summary(result.diagnostics),
                       ["error too-deep keys.yaml 67:65", "error unknown-field keys.yaml 3:1"])
    }

    func testOversizedSourceIsRefusedBeforeParsing() {
        var bytes = [UInt8](repeating: UInt8(ascii: "#"), count: ManifestLoader.maxFileSize + 1)
        bytes[0] = UInt8(ascii: "[")  // would be a syntax error if it were parsed
        let result = ManifestLoader.load([ManifestSource(path: "big.yaml", bytes: bytes)])
        XCTAssertNil(result.manifest)
        XCTAssertEqual(Fixtures.summary(result.diagnostics), ["error file-too-large big.yaml 1:1"])
        XCTAssertEqual(result.diagnostics[0].message, "big.yaml is 64 MiB; manifest files are limited to 64 MiB")
    }

    func testUTF16ByteOrderMarkIsNotUTF8() {
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("v".utf8)
        let result = ManifestLoader.load([ManifestSource(path: "keys.yaml", bytes: bytes)])
        XCTAssertEqual(Fixtures.summary(result.diagnostics), ["error not-utf8 keys.yaml 1:1"])
    }
}
