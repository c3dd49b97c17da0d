import XCTest
@testable import AgeFormat

/// Bech32 recipients and identities: the spec's examples, BIP-173's vectors and every error a
/// user can make when copying a key into keys.yaml.
final class AgeKeyEncodingTests: XCTestCase {
    // From the age specification: the identity is 32 bytes of 0x42.
    let specIdentity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    let specRecipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"

    func testSpecExampleIdentityAndRecipient() throws {
        let identity = try AgeIdentity(parsing: specIdentity)
        XCTAssertEqual(identity.recipient.description, specRecipient)
        XCTAssertEqual(identity.secretKeyText, specIdentity)
        let recipient = try AgeRecipient(parsing: specRecipient)
        XCTAssertEqual(recipient, identity.recipient)
        XCTAssertEqual(recipient.description, specRecipient)
        XCTAssertEqual(recipient.publicKeyBytes.count, 32)
    }

    func testIdentityDescriptionNeverShowsTheSecret() throws {
        let identity = try AgeIdentity(parsing: specIdentity)
        XCTAssertFalse("\(identity)".contains("SECRET"))
        XCTAssertTrue("\(identity)".contains(specRecipient))
    }

    func testGeneratedIdentitiesRoundTripThroughText() throws {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<20 {
            let identity = AgeIdentity.generate(using: &generator)
            XCTAssertTrue(identity.secretKeyText.hasPrefix("AGE-SECRET-KEY-1"))
            XCTAssertEqual(identity.secretKeyText, identity.secretKeyText.uppercased())
            XCTAssertTrue(identity.recipient.description.hasPrefix("age1"))
            XCTAssertEqual(identity.recipient.description.count, 62)
            let reparsed = try AgeIdentity(parsing: identity.secretKeyText)
            XCTAssertEqual(reparsed.recipient, identity.recipient)
            XCTAssertEqual(try AgeRecipient(parsing: identity.recipient.description), identity.recipient)
        }
    }

    private func recipientProblem(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> AgeKeyProblem? {
        let error = assertAgeError({ () throws(AgeError) in try AgeRecipient(parsing: text) }, text, file: file, line: line)
        guard case .invalidRecipient(let shown, let problem) = error else {
            XCTFail("expected invalidRecipient, got \(String(describing: error))", file: file, line: line)
            return nil
        }
        XCTAssertEqual(shown, text, file: file, line: line)
        XCTAssertEqual(error?.category, .key, file: file, line: line)
        return problem
    }

    private func identityProblem(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> AgeKeyProblem? {
        let error = assertAgeError({ () throws(AgeError) in try AgeIdentity(parsing: text) }, file: file, line: line)
        guard case .invalidIdentity(let problem, nil) = error else {
            XCTFail("expected invalidIdentity, got \(String(describing: error))", file: file, line: line)
            return nil
        }
        XCTAssertFalse(error!.description.contains(text), "messages never echo a secret", file: file, line: line)
        return problem
    }

    func testRecipientErrorsNameTheProblem() {
        var typo = Array(specRecipient)
        typo[20] = typo[20] == "q" ? "p" : "q"
        XCTAssertEqual(recipientProblem(String(typo)), .badChecksum)
        XCTAssertEqual(recipientProblem(String(specRecipient.dropLast(3))), .badChecksum)
        XCTAssertEqual(recipientProblem(specRecipient.uppercased()), .wrongCase(expectedUppercase: false))
        XCTAssertEqual(recipientProblem("age1ZVkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"), .mixedCase)
        XCTAssertEqual(recipientProblem(""), .empty)
        XCTAssertEqual(recipientProblem("agezvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn"), .missingSeparator)
        XCTAssertEqual(recipientProblem("age1abc"), .invalidCharacter(position: 6))
        XCTAssertEqual(recipientProblem("age1qqqqqqqqqqqqiqqqq"), .invalidCharacter(position: 17))
        XCTAssertEqual(recipientProblem("age1qqq"), .tooShort)
        XCTAssertEqual(recipientProblem(" " + specRecipient), .invalidCharacter(position: 1))
        XCTAssertEqual(recipientProblem(Bech32.encode(humanReadablePart: "age", data: [UInt8](repeating: 1, count: 31))),
                       .wrongLength(expected: 32, found: 31))
        XCTAssertEqual(recipientProblem(Bech32.encode(humanReadablePart: "age", data: [UInt8](repeating: 1, count: 33))),
                       .wrongLength(expected: 32, found: 33))
        XCTAssertEqual(recipientProblem(Bech32.encode(humanReadablePart: "agf", data: [UInt8](repeating: 1, count: 32))),
                       .wrongPrefix(expected: "age", found: "agf"))
        if case .unsupportedType = recipientProblem("age1pq1" + String(repeating: "q", count: 40)) {} else {
            XCTFail("post-quantum recipients are reported as unsupported")
        }
        if case .unsupportedType = recipientProblem("age1yubikey1q2w3e4r5t6y7u8i9o0p") {} else {
            XCTFail("plugin recipients are reported as unsupported")
        }
        if case .unsupportedType = recipientProblem("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE") {} else {
            XCTFail("SSH keys are reported as unsupported")
        }
    }

    func testAnIdentityIsNotARecipient() {
        XCTAssertEqual(recipientProblem(specIdentity), .wrongPrefix(expected: "age", found: "AGE-SECRET-KEY-"))
    }

    func testIdentityErrorsNameTheProblemWithoutTheSecret() {
        XCTAssertEqual(identityProblem(specIdentity.lowercased()), .wrongCase(expectedUppercase: true))
        var typo = Array(specIdentity)
        typo[30] = typo[30] == "Q" ? "P" : "Q"
        XCTAssertEqual(identityProblem(String(typo)), .badChecksum)
        XCTAssertEqual(identityProblem(specRecipient), .wrongPrefix(expected: "AGE-SECRET-KEY-", found: "age"))
        XCTAssertEqual(identityProblem(Bech32.encode(humanReadablePart: "AGE-SECRET-KEY-", data: [UInt8](repeating: 9, count: 16))),
                       .wrongLength(expected: 32, found: 16))
        if case .unsupportedType = identityProblem("AGE-SECRET-KEY-PQ-1HZLGZUPT4ETPKDEV8HSGFDCYZ4E522W0A7PU2LHT8EH9W6YLNC3SW78XKG") {} else {
            XCTFail("post-quantum identities are reported as unsupported")
        }
        if case .unsupportedType = identityProblem("AGE-PLUGIN-YUBIKEY-1QQQQQQ") {} else {
            XCTFail("plugin identities are reported as unsupported")
        }
    }

    func testErrorMessagesAreLowerCaseAndSayWhatToDo() {
        let error = AgeError.invalidRecipient("age1xyz", .badChecksum)
        XCTAssertEqual(error.description,
                       "invalid age recipient \"age1xyz\": its checksum does not match; check for a typo or a truncated copy")
    }

    // BIP-173's test vectors for the encoding itself.
    func testBIP173ValidStrings() throws {
        for text in ["A12UEL5L", "a12uel5l",
                     "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
                     "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
                     "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
                     "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl"] {
            XCTAssertNoThrow(try Bech32.decode(text), text)
        }
    }

    func testBIP173InvalidStrings() {
        let cases: [(String, AgeKeyProblem)] = [
            ("\u{7F}1axkwrx", .invalidCharacter(position: 1)),
            ("pzry9x0s0muk", .missingSeparator),
            ("1pzry9x0s0muk", .missingSeparator),
            ("x1b4n0q5v", .invalidCharacter(position: 3)),
            ("li1dgmt3", .tooShort),
            ("A1G7SGD8", .badChecksum),
            ("10a06t8", .missingSeparator),
        ]
        for (text, problem) in cases {
            XCTAssertThrowsError(try Bech32.decode(text), text) { error in
                XCTAssertEqual(error as? AgeKeyProblem, problem, text)
            }
        }
    }

    func testNoNinetyCharacterLimit() throws {
        let data = samplePlaintext(200)
        let text = Bech32.encode(humanReadablePart: "age", data: data)
        XCTAssertGreaterThan(text.count, 90)
        XCTAssertEqual(try Bech32.decode(text).data, data)
    }
}
