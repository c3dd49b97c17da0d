import TestSupport
import XCTest
@testable import AgeFormat

/// Recipients no key generator makes: the well-known low-order Curve25519 points (refused as
/// `lowOrderPoint`, as stock `age -r` refuses them) and non-canonical encodings (refused as
/// `nonCanonicalPoint`, where age would accept them). The Bech32 texts were computed outside
/// keysync, so this also checks the decoding.
final class AgeLowOrderRecipientTests: XCTestCase {
    /// name, u as 32 little-endian bytes (hex), its `age1…` text, the expected problem.
    static let points: [(name: String, hex: String, text: String, problem: AgeKeyProblem)] = [
        ("0", "0000000000000000000000000000000000000000000000000000000000000000",
         "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z", .lowOrderPoint),
        ("1", "0100000000000000000000000000000000000000000000000000000000000000",
         "age1qyqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqj7vrya", .lowOrderPoint),
        ("order 8 (3256…3504)", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
         "age1ur4h5lpmgxu2u9jku0a0r87ydtdqnr0tnsetrlvxvgz3vh6fhqqqzyt4v9", .lowOrderPoint),
        ("order 8 (3938…5823)", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
         "age1t7wft09r2zxzfvwsk92eeql0tvzyghxytqwgapkcyf8dm5ylz9ts6wm9s8", .lowOrderPoint),
        ("p-1", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
         "age1anlllllllllllllllllllllllllllllllllllllllllllllllals4n2t7m", .lowOrderPoint),
        ("p", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
         "age1ahlllllllllllllllllllllllllllllllllllllllllllllllalsn46ayy", .lowOrderPoint),
        ("p+1", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
         "age1amlllllllllllllllllllllllllllllllllllllllllllllllalselrwrv", .lowOrderPoint),
        // With bit 255 set, X25519 ignores that bit: these name points of large order that the
        // encoding does not show. Stock age accepts them; keysync refuses them as non-canonical.
        ("p+3256…3504", "cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
         "age1eh4h5lpmgxu2u9jku0a0r87ydtdqnr0tnsetrlvxvgz3vh6fhzqqscpgrg", .nonCanonicalPoint),
        ("p+3938…5823", "4c9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
         "age1fjwft09r2zxzfvwsk92eeql0tvzyghxytqwgapkcyf8dm5ylz8tsemw2ef", .nonCanonicalPoint),
        ("2p-1", "d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
         "age1m8lllllllllllllllllllllllllllllllllllllllllllllllllscd356j", .nonCanonicalPoint),
        ("2p", "daffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
         "age1mtlllllllllllllllllllllllllllllllllllllllllllllllllsj8g8a6", .nonCanonicalPoint),
        ("2p+1", "dbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
         "age1m0llllllllllllllllllllllllllllllllllllllllllllllllls5pc389", .nonCanonicalPoint),
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    func testEveryWellKnownLowOrderAndNonCanonicalPointIsRefused() {
        for point in Self.points {
            let error = assertAgeError({ () throws(AgeError) in try AgeRecipient(parsing: point.text) }, point.name)
            XCTAssertEqual(error, .invalidRecipient(point.text, point.problem), point.name)
            XCTAssertEqual(X25519Point.isLowOrder(Self.bytes(point.hex)), point.problem == .lowOrderPoint, point.name)
        }
    }

    func testGeneratedAndSpecRecipientsAreNeitherLowOrderNorNonCanonical() throws {
        var generator = SeededGenerator(seed: 41)
        for _ in 0..<500 {
            let recipient = AgeIdentity.generate(using: &generator).recipient
            XCTAssertEqual(try AgeRecipient(parsing: recipient.description), recipient)
        }
        _ = try AgeRecipient(parsing: "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")
    }

    func testTheEncryptorRefusesALowOrderRecipientThatBypassedParsing() {
        var generator = SeededGenerator(seed: 42)
        let alice = AgeIdentity.generate(using: &generator).recipient
        for point in Self.points where point.problem == .lowOrderPoint {
            let hostile = AgeRecipient(publicKeyBytes: Self.bytes(point.hex))
            let error = assertAgeError({ () throws(AgeError) in
                try AgeEncryptor.encrypt(Array("secret".utf8), to: [alice, hostile], using: &generator)
            }, point.name)
            XCTAssertEqual(error, .invalidRecipient(hostile.description, .lowOrderPoint), point.name)
        }
    }

    /// The CCTV vector, then every low-order point as the share of an otherwise valid file
    /// sealed to the identity: all must fail with a header error before the MAC is looked at.
    func testLowOrderSharesFailToOpen() throws {
        let vector = try XCTUnwrap(try CCTVVector.loadAll().first { $0.name == "x25519_low_order" })
        let identities = try vector.identities.map { text throws(AgeError) in try AgeIdentity(parsing: text) }
        let cctvError = assertAgeError { () throws(AgeError) in try AgeDecryptor.decrypt(vector.file, with: identities) }
        XCTAssertEqual(cctvError, .lowOrderShare(line: 2))

        var generator = SeededGenerator(seed: 43)
        let alice = AgeIdentity.generate(using: &generator)
        let file = try AgeEncryptor.encrypt(Array("secret".utf8), to: [alice.recipient], using: &generator)
        // The header's second line is "-> X25519 <43 characters of share>".
        let lineStart = try XCTUnwrap(file.firstIndex(of: UInt8(ascii: "\n"))) + 1
        let shareStart = lineStart + "-> X25519 ".utf8.count
        XCTAssertEqual(Array(file[lineStart..<shareStart]), Array("-> X25519 ".utf8))
        for point in Self.points where point.problem == .lowOrderPoint {
            var forged = file
            forged.replaceSubrange(shareStart..<(shareStart + 43), with: Base64.encodeUnpadded(Self.bytes(point.hex)).utf8)
            let error = assertAgeError({ () throws(AgeError) in try AgeDecryptor.decrypt(forged, with: [alice]) }, point.name)
            XCTAssertEqual(error, .lowOrderShare(line: 2), point.name)
        }
    }
}
