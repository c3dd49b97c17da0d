import XCTest
import Reconciler

/// `PresentedKeyInput.parse`: the pure half of `keysync verify`'s input handling (the CLI tests
/// cover the same forms end to end).
final class PresentedKeyInputTests: XCTestCase {
    let key = "thig_Xm4ZqK8pW2nR7tY5vB3cD9fG1hJ6kLvpLC"

    func parse(_ text: String) -> Result<String, PresentedKeyInput.Problem> {
        PresentedKeyInput.parse(Array(text.utf8))
    }

    func problem(_ bytes: [UInt8]) -> String? {
        guard case .failure(let problem) = PresentedKeyInput.parse(bytes) else { return nil }
        return problem.message
    }

    func testBareKeysAndHeaderForms() {
        for input in [key, key + "\n", key + "\r\n", "Authorization: Bearer \(key)", "authorization:bearer\t\(key)\r\n",
                      "X-API-Key: \(key)\n", "x-api-key:\(key)  "] {
            XCTAssertEqual(try parse(input).get(), key, input)
        }
        // Not a header: left whole for the verifier to judge.
        XCTAssertEqual(try parse(" \(key)").get(), " \(key)")
        XCTAssertEqual(try parse("a b: c").get(), "a b: c")
    }

    func testRefusals() {
        let table: [(String, String)] = [
            ("\(key)\n\(key)", "standard input must hold one key or one header line, not several lines"),
            ("Authorization: Basic \(key)", "the Authorization header must use the Bearer scheme (Authorization: Bearer <key>)"),
            ("Cookie: x", "unsupported header Cookie; give a bare key, an Authorization: Bearer header or an X-API-Key header"),
            ("Xm4ZqK8pW2nR7tY5vB3cD9fG1hJ6kLvpLC: x", "unsupported header; give a bare key, an Authorization: Bearer header or an X-API-Key header"),
        ]
        for (input, message) in table {
            XCTAssertEqual(problem(Array(input.utf8)), message, input)
        }
    }

    func testTheLimitIsSixteenKibibytes() {
        let atLimit = [UInt8](repeating: UInt8(ascii: "a"), count: PresentedKeyInput.maximumLength)
        XCTAssertNotNil(try? PresentedKeyInput.parse(atLimit).get())
        XCTAssertEqual(problem(atLimit + [UInt8(ascii: "a")]), "standard input is too long for a key or a header line")
    }
}
