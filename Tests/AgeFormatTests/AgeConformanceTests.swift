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

    /// The exact list, so a new vector family in the set is noticed rather than silently skipped.
    static let unsupportedVectors: Set<String> = [
        "armor_hybrid", "armor_scrypt",
        "hybrid", "hybrid_and_x25519", "hybrid_bad_tag", "hybrid_currupted_enc_mlkem", "hybrid_currupted_enc_x25519",
        "hybrid_extra_argument", "hybrid_grease", "hybrid_identity", "hybrid_long_file_key", "hybrid_long_share",
        "hybrid_low_order", "hybrid_multiple_recipients", "hybrid_no_match", "hybrid_not_canonical_body",
        "hybrid_not_canonical_enc", "hybrid_short_share", "hybrid_uppercase", "hybrid_x25519_arg",
        "scrypt", "scrypt_and_x25519", "scrypt_bad_tag", "scrypt_double", "scrypt_extra_argument",
        "scrypt_long_file_key", "scrypt_no_match", "scrypt_not_canonical_body", "scrypt_not_canonical_salt",
        "scrypt_salt_long", "scrypt_salt_missing", "scrypt_salt_short", "scrypt_uppercase", "scrypt_work_factor_23",
        "scrypt_work_factor_hex", "scrypt_work_factor_leading_garbage", "scrypt_work_factor_leading_plus",
        "scrypt_work_factor_leading_zero_decimal", "scrypt_work_factor_leading_zero_octal",
        "scrypt_work_factor_missing", "scrypt_work_factor_negative", "scrypt_work_factor_overflow",
        "scrypt_work_factor_trailing_garbage", "scrypt_work_factor_wrong", "scrypt_work_factor_zero",
    ]

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
            XCTAssertFalse(Self.unsupportedVectors.contains(vector.name))
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
        XCTAssertEqual(checked, vectors.count - Self.unsupportedVectors.count, "every supported vector was checked")
        XCTAssertGreaterThanOrEqual(checked, 90, "the X25519, armor, header, MAC and stream vectors are all there")
    }

    func testUnsupportedVectorsNeverOpen() throws {
        let vectors = try CCTVVector.loadAll().filter { Self.isUnsupported($0.name) }
        XCTAssertEqual(Set(vectors.map(\.name)), Self.unsupportedVectors)
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
