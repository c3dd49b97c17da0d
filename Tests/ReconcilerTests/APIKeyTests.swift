import Foundation
import Reconciler
import XCTest

final class APIKeyTests: XCTestCase {
    private func mint(_ prefix: String = "thig", seed: UInt64 = 42) throws -> APIKey {
        var generator = SeededGenerator(seed: seed)
        return try APIKey.mint(prefix: prefix, using: &generator)
    }

    // MARK: format

    func testMintedKeyHasPrefixSeparatorAndThirtyThreeBase62Characters() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let raw = try APIKey.mint(prefix: "thig", using: &generator).reveal()
            XCTAssertTrue(raw.hasPrefix("thig_"), raw)
            let tail = raw.dropFirst(5)
            XCTAssertEqual(tail.count, 33)
            XCTAssertTrue(tail.utf8.allSatisfy(Base62.contains), raw)
        }
    }

    /// Pins the whole algorithm (sampling, alphabet order, CRC32 and its encoding): the expected
    /// values were computed independently with Python's `zlib.crc32` and `hashlib.sha256` from
    /// the same SplitMix64 sequence. Keys already issued depend on this never changing.
    func testSeededGeneratorGivesTheDocumentedKeyHashAndPreview() throws {
        let key = try mint(seed: 42)
        XCTAssertEqual(key.reveal(), "thig_PmnlcoT33tespfreKZFJPfK9OfC0B1orA")
        XCTAssertEqual(key.hash.rawValue, "sha256:3e3bd18116bdcfe1ec91d3ed02ac78ba1e430db068e43e268c68005074a18aab")
        XCTAssertEqual(key.preview.rawValue, "thig_Pmnl...1orA")
        XCTAssertEqual(key.prefix, "thig")
    }

    func testSameSeedSameKeyOtherSeedOtherKey() throws {
        XCTAssertEqual(try mint(seed: 1), try mint(seed: 1))
        XCTAssertNotEqual(try mint(seed: 1).reveal(), try mint(seed: 2).reveal())
    }

    func testChecksumIsZlibCRC32InSixBase62Digits() {
        // CRC-32 check value: crc32("123456789") = 0xCBF43926 = "3jZRME" in base62.
        XCTAssertEqual(Base62.encode(0xCBF4_3926, width: 6), Array("3jZRME".utf8))
        XCTAssertEqual(Base62.encode(0, width: 6), Array("000000".utf8))
        XCTAssertEqual(Base62.encode(UInt64(UInt32.max), width: 6), Array("4gfFC3".utf8))
    }

    func testMintRejectsAnInvalidPrefix() {
        var generator = SeededGenerator(seed: 1)
        for prefix in ["", "th_ig", "thig-", "abcdefghijklmnopq", "thïg", "a b"] {
            XCTAssertThrowsError(try APIKey.mint(prefix: prefix, using: &generator), prefix) { error in
                XCTAssertEqual(error as? APIKeyError, .invalidPrefix)
            }
        }
        XCTAssertNoThrow(try APIKey.mint(prefix: "ABCdef0123456789", using: &generator))
    }

    // MARK: randomness

    /// Bytes 248...255 must be thrown away (4 × 62 = 248), otherwise characters 0-7 would be
    /// 25% more likely than the rest: the modulo bias the rejection sampling exists to avoid.
    func testSamplingRejectsBytesAbove247() {
        // Little-endian bytes of the first word: 248, 0, 255, 61, 62, 247, 250, 123.
        let first: UInt64 = 0x7BFA_F73E_3DFF_00F8
        var generator = ScriptedGenerator([first, 0x0000_0000_0000_0001])
        let chars = Base62.randomCharacters(count: 6, using: &generator)
        // kept: 0 → '0', 61 → 'z', 62 → '0', 247 → 247 % 62 = 61 → 'z', 123 → 61 → 'z', then 1 → '1'
        XCTAssertEqual(String(decoding: chars, as: UTF8.self), "0z0zz1")
    }

    func testEveryAlphabetCharacterAppearsAtRoughlyEqualRates() throws {
        var generator = SeededGenerator(seed: 2026)
        var counts: [UInt8: Int] = [:]
        let keys = 2000
        for _ in 0..<keys {
            let raw = Array(try APIKey.mint(prefix: "t", using: &generator).reveal().utf8)
            for byte in raw[2..<(2 + APIKey.bodyLength)] { counts[byte, default: 0] += 1 }
        }
        XCTAssertEqual(Set(counts.keys), Set(Base62.alphabet))
        // 54,000 draws, 871 expected per character, σ ≈ 29: a modulo bias would put the first
        // eight characters near 1,080. The bounds allow more than 6σ of chance.
        let expected = Double(keys * APIKey.bodyLength) / 62
        for (byte, count) in counts {
            XCTAssertLessThan(abs(Double(count) - expected), 180, "character \(UnicodeScalar(byte)) drawn \(count) times")
        }
    }

    // MARK: parsing

    func testMintedKeysParseBack() throws {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let key = try APIKey.mint(prefix: "acme2", using: &generator)
            let parsed = try APIKey(parsing: key.reveal(), prefix: "acme2")
            XCTAssertEqual(parsed, key)
            XCTAssertEqual(parsed.hash, key.hash)
            XCTAssertEqual(parsed.preview, key.preview)
        }
    }

    func testEverySingleCharacterTypoIsCaughtByTheChecksum() throws {
        var generator = SeededGenerator(seed: 11)
        var checked = 0
        for _ in 0..<5 {
            let raw = Array(try APIKey.mint(prefix: "thig", using: &generator).reveal().utf8)
            for position in 5..<raw.count {
                for replacement in Base62.alphabet where replacement != raw[position] {
                    var typo = raw
                    typo[position] = replacement
                    XCTAssertThrowsError(try APIKey(parsing: String(decoding: typo, as: UTF8.self), prefix: "thig")) { error in
                        XCTAssertEqual(error as? APIKeyError, .badChecksum)
                    }
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 5 * 33 * 61)
    }

    func testEveryAdjacentTranspositionIsCaughtByTheChecksum() throws {
        var generator = SeededGenerator(seed: 12)
        for _ in 0..<20 {
            let raw = Array(try APIKey.mint(prefix: "thig", using: &generator).reveal().utf8)
            for position in 5..<(raw.count - 1) where raw[position] != raw[position + 1] {
                var typo = raw
                typo.swapAt(position, position + 1)
                XCTAssertThrowsError(try APIKey(parsing: String(decoding: typo, as: UTF8.self), prefix: "thig")) { error in
                    XCTAssertEqual(error as? APIKeyError, .badChecksum)
                }
            }
        }
    }

    func testMalformedKeysGetTheirOwnErrorsBeforeTheChecksum() throws {
        let raw = try mint().reveal()
        let cases: [(String, APIKeyError)] = [
            ("", .badFormat(.empty)),
            (raw + "\n", .badFormat(.whitespace)),
            (" " + raw, .badFormat(.whitespace)),
            ("thig" + raw.dropFirst(5), .badFormat(.missingSeparator)),
            (String(raw.dropLast()), .badFormat(.wrongLength(expected: 38, found: 37))),
            (raw + "A", .badFormat(.wrongLength(expected: 38, found: 39))),
            (String(raw.prefix(10)) + "-" + raw.dropFirst(11), .badFormat(.invalidCharacter(position: 11))),
            (String(raw.prefix(10)) + "_" + raw.dropFirst(11), .badFormat(.invalidCharacter(position: 11))),
            ("ghp_" + raw.dropFirst(5), .otherPrefix(expected: "thig", found: "ghp")),
            ("THIG" + raw.dropFirst(4), .otherPrefix(expected: "thig", found: "THIG")),
            ("th-ig_" + raw.dropFirst(5), .badFormat(.invalidCharacter(position: 3))),
        ]
        for (presented, expected) in cases {
            XCTAssertThrowsError(try APIKey(parsing: presented, prefix: "thig"), "\(expected)") { error in
                XCTAssertEqual(error as? APIKeyError, expected)
            }
        }
    }

    func testErrorsNeverQuoteThePresentedKey() throws {
        let raw = try mint().reveal()
        let body = String(raw.dropFirst(5).prefix(27))
        let presented = [raw + " ", String(raw.dropLast()), "ghp_" + raw.dropFirst(5),
                         String(raw.dropLast()) + (raw.hasSuffix("A") ? "B" : "A")]
        for text in presented {
            do {
                _ = try APIKey(parsing: text, prefix: "thig")
                XCTFail("accepted a broken key")
            } catch {
                XCTAssertFalse(error.description.contains(body), error.description)
                XCTAssertFalse(String(reflecting: error).contains(body))
                XCTAssertTrue(error.code.hasPrefix("key-"))
                XCTAssertEqual(error.description.first?.isLowercase, true, "messages start lower-case")
            }
        }
    }

    // MARK: not leaking

    func testDescriptionsAndMirrorShowOnlyThePreview() throws {
        let key = try mint()
        let body = String(key.reveal().dropFirst(5).prefix(27))
        var dumped = ""
        dump(key, to: &dumped)
        let renderings = ["\(key)", String(describing: key), String(reflecting: key), dumped,
                          "\([key])", "\(Optional(key) as Any)"]
        for text in renderings {
            XCTAssertFalse(text.contains(body), text)
            XCTAssertFalse(text.contains(key.reveal()), text)
            XCTAssertTrue(text.contains(key.preview.rawValue), text)
        }
        XCTAssertEqual(key.description, "thig_Pmnl...1orA")
        XCTAssertEqual(key.debugDescription, "APIKey(thig_Pmnl...1orA)")
    }

    // MARK: scanner pattern

    func testScannerPatternMatchesExactlyKeysOfItsPrefix() throws {
        let key = try mint().reveal()
        let other = try mint("ghp").reveal()
        XCTAssertEqual(APIKey.scannerPattern(prefix: "thig"), #"\bthig_[0-9A-Za-z]{33}\b"#)
        let regex = try NSRegularExpression(pattern: APIKey.scannerPattern(prefix: "thig"))
        func matches(_ text: String) -> [String] {
            regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
                String(text[Range($0.range, in: text)!])
            }
        }
        XCTAssertEqual(matches(key), [key])
        XCTAssertEqual(matches("Authorization: Bearer \(key)\n"), [key])
        XCTAssertEqual(matches("X_API_KEY=\"\(key)\"; other=\(other)"), [key])
        XCTAssertEqual(matches("{\"key\":\"\(key)\",\"b\":1}"), [key])
        XCTAssertEqual(matches(other), [])
        XCTAssertEqual(matches("x" + key), [], "inside a longer prefix")
        XCTAssertEqual(matches("my_" + key), [], "after an underscore")
        XCTAssertEqual(matches(key + "A"), [], "34 characters")
        XCTAssertEqual(matches(key + "_x"), [], "followed by an underscore")
        XCTAssertEqual(matches(String(key.dropLast())), [], "32 characters")
        XCTAssertEqual(matches("THIG" + key.dropFirst(4)), [], "prefix is case-sensitive")
    }

    // MARK: key ids

    func testKeyIDsAreKeyUnderscoreAndTwentyBase32Characters() {
        var generator = SeededGenerator(seed: 42)
        _ = try? APIKey.mint(prefix: "thig", using: &generator)
        // Computed independently (Python) from the same sequence, right after the seed-42 key.
        XCTAssertEqual(KeyID.mint(using: &generator).rawValue, "key_sdie2y4jg3a42re65nxf")
        var seen = Set<KeyID>()
        var characters = Set<UInt8>()
        for _ in 0..<500 {
            let id = KeyID.mint(using: &generator)
            XCTAssertEqual(KeyID(rawValue: id.rawValue), id)
            XCTAssertTrue(id.rawValue.hasPrefix("key_"))
            XCTAssertEqual(id.rawValue.count, 24)
            characters.formUnion(id.rawValue.utf8.dropFirst(4))
            seen.insert(id)
        }
        XCTAssertEqual(seen.count, 500)
        XCTAssertEqual(characters, Set(KeyID.alphabet))
    }

    func testKeyIDRejectsOtherShapesAndRoundTripsThroughJSON() throws {
        for text in ["", "key_", "key_ABCDEFGHIJKLMNOPQRST", "key_abcdefghijklmnopqrs1",
                     "key_abcdefghijklmnopqrs", "kez_abcdefghijklmnopqrst", "key_abcdefghijklmnopqrstu"] {
            XCTAssertNil(KeyID(rawValue: text), text)
        }
        let id = try XCTUnwrap(KeyID(rawValue: "key_abcdefghijklmnop2345"))
        let json = try JSONEncoder().encode([id])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["key_abcdefghijklmnop2345"]"#)
        XCTAssertEqual(try JSONDecoder().decode([KeyID].self, from: json), [id])
        XCTAssertThrowsError(try JSONDecoder().decode([KeyID].self, from: Data(#"["key_x"]"#.utf8)))
    }
}
