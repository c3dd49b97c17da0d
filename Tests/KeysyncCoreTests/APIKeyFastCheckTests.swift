@testable import KeysyncCore
import TestSupport
import XCTest

/// `APIKey.isWellFormed` (the verifier's allocation-free check) against `APIKey(parsing:prefix:)`
/// (the reference, which says why): on real keys and on every kind of damage a presented key
/// can carry, both must give the same yes or no. The fuzz harness `FuzzAPIKey` does the same
/// on arbitrary bytes; this runs in every `swift test`.
final class APIKeyFastCheckTests: XCTestCase {
    private func agree(_ text: String, prefix: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let reference = (try? APIKey(parsing: text, prefix: prefix)) != nil
        let fast = Array(text.utf8).withUnsafeBufferPointer { key in
            Array(prefix.utf8).withUnsafeBufferPointer { APIKey.isWellFormed(key, prefix: $0) }
        }
        XCTAssertEqual(fast, reference, "\(text.debugDescription) with prefix \(prefix)", file: file, line: line)
        return reference
    }

    func testAgreesWithTheParserOnRealAndDamagedKeys() throws {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-+/ =\u{e9}")
        var accepted = 0, refused = 0
        for round in 0..<4_000 {
            let prefix = ["ks", "thig", "A1", "longprefix123456"][round % 4]
            let key = try APIKey.mint(prefix: prefix, using: &generator).reveal()
            XCTAssertTrue(agree(key, prefix: prefix))
            var chars = Array(key)
            switch round % 7 {
            case 0:  // one character replaced (body, separator, prefix or checksum)
                let i = Int.random(in: 0..<chars.count, using: &generator)
                chars[i] = alphabet.randomElement(using: &generator)!
            case 1: chars.removeLast(Int.random(in: 1...chars.count, using: &generator))
            case 2: chars.append(alphabet.randomElement(using: &generator)!)
            case 3: chars.swapAt(Int.random(in: 0..<chars.count, using: &generator), Int.random(in: 0..<chars.count, using: &generator))
            case 4: chars.insert(" ", at: [0, chars.count].randomElement(using: &generator)!)
            case 5: chars = Array("Bearer ") + chars
            default: chars = (0..<Int.random(in: 0...60, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            }
            let damaged = String(chars)
            if agree(damaged, prefix: prefix) { accepted += 1 } else { refused += 1 }
            _ = agree(key, prefix: prefix == "ks" ? "kt" : "ks")  // a key of another prefix
        }
        // Both branches were exercised: most damage is caught, a swap of equal characters is not.
        XCTAssertGreaterThan(refused, 3_000)
        XCTAssertGreaterThan(accepted, 0)
    }
}
