import Foundation
import XCTest

/// Every C2SP CCTV age vector through the real `keysync unseal` binary: successes print exactly
/// the expected plaintext; failures print one diagnostic and nothing at all on stdout.
final class UnsealConformanceTests: XCTestCase {
    /// A word the diagnostic must contain for each expected failure class.
    static func keyword(for expectation: CCTVVector.Expectation) -> String? {
        switch expectation {
        case .success: return nil
        case .noMatch: return "no identity matches"
        case .hmacFailure: return "header MAC"
        case .headerFailure: return "header"
        case .payloadFailure: return "payload"
        case .armorFailure: return "armor"
        }
    }

    func testEveryVectorThroughTheBinary() throws {
        let vectors = try CCTVVector.loadAll()
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // For vectors without an X25519 identity (scrypt, and those failing before keys matter).
        let spare = try Keysync.run(["keygen", "-o", "spare.key"], in: folder)
        XCTAssertEqual(spare.exitCode, 0, spare.stderr)

        var names = Set<String>()
        for vector in vectors {
            names.insert(vector.name)
            let sealedPath = folder.appendingPathComponent("\(vector.name).age")
            try Data(vector.file).write(to: sealedPath)
            var arguments = ["unseal", sealedPath.path]
            if vector.identities.isEmpty {
                arguments += ["-i", "spare.key"]
            } else {
                let identityPath = folder.appendingPathComponent("\(vector.name).key")
                try Data((vector.identities.joined(separator: "\n") + "\n").utf8).write(to: identityPath)
                arguments += ["-i", identityPath.path]
            }
            let result = try Keysync.run(arguments, in: folder)
            let context = "\(vector.name) (expect \(vector.expect.rawValue)): \(result.stderr)"

            if CCTVVector.unsupported.contains(vector.name) {
                XCTAssertEqual(result.exitCode, 1, context)
                XCTAssertTrue(result.stdoutBytes.isEmpty, "\(context): no plaintext")
                continue
            }
            if vector.expect == .success {
                XCTAssertEqual(result.exitCode, 0, context)
                XCTAssertEqual(cctvPayloadDigest([UInt8](result.stdoutBytes)), vector.payloadSHA256, context)
                XCTAssertEqual(result.stderr, "", context)
            } else {
                XCTAssertEqual(result.exitCode, 1, context)
                XCTAssertTrue(result.stdoutBytes.isEmpty, "\(context): no plaintext at all")
                assertDiagnosticText(result.stderr, code: "", summary: "unseal failed: nothing was printed", context)
                if let word = Self.keyword(for: vector.expect) {
                    XCTAssertTrue(result.stderr.contains(word), "\(context) should mention \(word)")
                }
            }
        }
        XCTAssertTrue(CCTVVector.unsupported.isSubset(of: names), "the unsupported list names real vectors")
        XCTAssertEqual(names.subtracting(CCTVVector.unsupported).count, vectors.count - CCTVVector.unsupported.count)
    }
}
