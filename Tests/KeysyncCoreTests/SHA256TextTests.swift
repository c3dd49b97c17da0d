import Crypto
import KeysyncCore
import TestSupport
import XCTest

/// `SHA256Text` hashes contiguous bytes in place and anything else after copying it: both give
/// `sha256:` and the digest in lower-case hex, as text and as its UTF-8 bytes.
final class SHA256TextTests: XCTestCase {
    func testEverySpellingOfTheInputGivesTheSameText() {
        var generator = SeededGenerator(seed: 256)
        for length in 0...200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            XCTAssertEqual(SHA256Text.of(bytes), expected)
            XCTAssertEqual(SHA256Text.of(([0x20] + bytes + [0x20]).dropFirst().dropLast()), expected, "a slice")
            XCTAssertEqual(SHA256Text.of(AnySequence(bytes)), expected, "not contiguous")
            XCTAssertEqual(SHA256Text.utf8(of: bytes), Array(expected.utf8))
            XCTAssertTrue(SHA256Text.isWellFormed(expected))
        }
        XCTAssertEqual(SHA256Text.of([UInt8]()), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
