import TestSupport
import XCTest
@testable import AgeFormat

/// C2SP's CCTV age vectors through the library: every vector for what keysync implements
/// (X25519, armor, header, MAC, STREAM) gives exactly the expected outcome.
final class AgeConformanceTests: XCTestCase {
    /// Vectors for recipient types keysync does not implement: passphrases (scrypt) and the
    /// ML-KEM hybrid (mlkem768x25519). They must still never succeed.
    static func isUnsupported(_ name: String) -> Bool {
        name.hasPrefix("scrypt") || name.hasPrefix("hybrid") || name == "armor_scrypt" || name == "armor_hybrid"
    }

    static func expectedCategory(_ expectation: CCTVVector.Expectation) -> AgeError.Category? {
        switch expectation {
        case .success: return nil
        case .noMatch: return .noMatch
        case .hmacFailure: return .headerMAC
        case .headerFailure: return .header
        case .payloadFailure: return .payload
        case .armorFailure: return .armor
        }
    }

    func testEverySupportedVectorGivesTheExpectedOutcome() throws {
        let vectors = try CCTVVector.loadAll()
        var generator = SeededGenerator(seed: 11)
        var checked = 0
        for vector in vectors where !Self.isUnsupported(vector.name) {
            XCTAssertFalse(CCTVVector.unsupported.contains(vector.name))
            XCTAssertTrue(vector.passphrases.isEmpty, "\(vector.name) needs a passphrase")
            let identities = try vector.identities.map { text throws(AgeError) in try AgeIdentity(parsing: text) }
            // Vectors without an identity fail before any key matters; any identity will do.
            let keys = identities.isEmpty ? [AgeIdentity.generate(using: &generator)] : identities
            XCTAssertEqual(AgeArmor.looksArmored(vector.file), vector.armored, "\(vector.name): armor detection")
            do {
                let plaintext = try AgeDecryptor.decrypt(vector.file, with: keys)
                XCTAssertEqual(vector.expect, .success, "\(vector.name) opened but should fail")
                XCTAssertEqual(sha256Hex(plaintext), vector.payloadSHA256, "\(vector.name): payload")
            } catch {
                XCTAssertEqual(error.category, Self.expectedCategory(vector.expect),
                               "\(vector.name): expected \(vector.expect.rawValue), got \(error)")
            }
            checked += 1
        }
        XCTAssertEqual(checked, vectors.count - CCTVVector.unsupported.count, "every supported vector was checked")
        XCTAssertGreaterThanOrEqual(checked, 90, "the X25519, armor, header, MAC and stream vectors are all there")
    }

    func testUnsupportedVectorsNeverOpen() throws {
        let vectors = try CCTVVector.loadAll().filter { Self.isUnsupported($0.name) }
        XCTAssertEqual(Set(vectors.map(\.name)), CCTVVector.unsupported)
        var generator = SeededGenerator(seed: 12)
        for vector in vectors {
            var keys: [AgeIdentity] = []
            for text in vector.identities {
                if let identity = try? AgeIdentity(parsing: text) { keys.append(identity) }
            }
            if keys.isEmpty { keys = [AgeIdentity.generate(using: &generator)] }
            let error = assertAgeError({ () throws(AgeError) in try AgeDecryptor.decrypt(vector.file, with: keys) }, vector.name)
            if vector.expect == .success {
                XCTAssertTrue([.unsupported, .noMatch].contains(error?.category), "\(vector.name): \(String(describing: error))")
            }
        }
    }

    func testScryptAndHybridFilesSayWhatIsUnsupported() throws {
        let vectors = try CCTVVector.loadAll()
        var generator = SeededGenerator(seed: 13)
        let alice = AgeIdentity.generate(using: &generator)
        for vector in vectors where vector.name == "scrypt" || vector.name == "hybrid" {
            let error = assertAgeError { () throws(AgeError) in try AgeDecryptor.decrypt(vector.file, with: [alice]) }
            if vector.name == "scrypt" {
                XCTAssertEqual(error, .unsupportedRecipientType("a passphrase (scrypt)"))
            } else {
                XCTAssertEqual(error, .noMatchingIdentity(unsupportedStanzaTypes: ["mlkem768x25519"]))
            }
        }
    }
}
