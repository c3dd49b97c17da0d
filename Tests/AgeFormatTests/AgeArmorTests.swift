import XCTest
@testable import AgeFormat

final class AgeArmorTests: XCTestCase {
    private var generator = SeededGenerator(seed: 5)

    func testArmorIsStrictPEMWith64ColumnLines() throws {
        let alice = AgeIdentity.generate(using: &generator)
        let armored = try AgeEncryptor.encrypt(samplePlaintext(500), to: [alice.recipient], armor: true, using: &generator)
        let text = String(decoding: armored, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.removeLast(), "", "ends with a newline")
        XCTAssertEqual(lines.removeFirst(), "-----BEGIN AGE ENCRYPTED FILE-----")
        XCTAssertEqual(lines.removeLast(), "-----END AGE ENCRYPTED FILE-----")
        XCTAssertTrue(lines.dropLast().allSatisfy { $0.count == 64 })
        XCTAssertTrue((1...64).contains(lines.last!.count))
        let binary = try AgeArmor.decode(armored)
        XCTAssertTrue(binary.starts(with: "age-encryption.org/v1\n".utf8))
        XCTAssertEqual(AgeArmor.encode(binary), armored)
    }

    func testCRLFAndSurroundingWhitespaceAreAccepted() throws {
        let alice = AgeIdentity.generate(using: &generator)
        let plaintext = samplePlaintext(300)
        let armored = try AgeEncryptor.encrypt(plaintext, to: [alice.recipient], armor: true, using: &generator)
        let crlf = Array(String(decoding: armored, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8)
        XCTAssertEqual(try AgeDecryptor.decrypt(crlf, with: [alice]), plaintext)
        let padded = Array("\n \t\r\n".utf8) + armored + Array("\n\n  ".utf8)
        XCTAssertEqual(try AgeDecryptor.decrypt(padded, with: [alice]), plaintext)
        XCTAssertEqual(try AgeDecryptor.decrypt(Array(armored.dropLast()), with: [alice]), plaintext, "no final newline")
    }

    func testNonCanonicalArmorIsRejected() throws {
        let alice = AgeIdentity.generate(using: &generator)
        let armored = String(decoding: try AgeEncryptor.encrypt(samplePlaintext(300), to: [alice.recipient], armor: true,
                                                                 using: &generator), as: UTF8.self)
        let lines = armored.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let variants: [String: String] = [
            "garbage before": "garbage\n" + armored,
            "garbage after": armored + "garbage\n",
            "space at a line end": armored.replacingOccurrences(of: "\n", with: " \n"),
            "mixed line ends": armored.replacingOccurrences(of: "-----\n", with: "-----\r\n"),
            "blank line after BEGIN": armored.replacingOccurrences(of: "-----\n", with: "-----\n\n"),
            "lowercase label": armored.replacingOccurrences(of: "AGE ENCRYPTED", with: "age encrypted"),
            "no END line": lines.dropLast(2).joined(separator: "\n") + "\n",
            "joined lines": { var l = lines; l[1] += l.remove(at: 2); return l.joined(separator: "\n") }(),
            "split line": { var l = lines; l.insert(String(l[1].suffix(4)), at: 2); l[1] = String(l[1].dropLast(4)); return l.joined(separator: "\n") }(),
        ]
        for (name, text) in variants {
            let error = assertAgeError({ () throws(AgeError) in try AgeDecryptor.decrypt(Array(text.utf8), with: [alice]) }, name)
            XCTAssertEqual(error?.category, .armor, "\(name): \(String(describing: error))")
        }
        // Non-zero unused bits in the final base64 group ("AB==" for the byte 0x00; "AA==" is canonical).
        let begin = AgeArmor.beginLine, end = AgeArmor.endLine
        XCTAssertEqual(try AgeArmor.decode(Array("\(begin)\nAA==\n\(end)\n".utf8)), [0])
        XCTAssertEqual(assertAgeError { () throws(AgeError) in try AgeArmor.decode(Array("\(begin)\nAB==\n\(end)\n".utf8)) },
                       .malformedArmor("the base64 is not canonical padded base64"))
    }

    func testAnythingThatIsNeitherFormIsReportedAsNotAnAgeFile() {
        let error = assertAgeError { () throws(AgeError) in
            try AgeDecryptor.decrypt(Array("hello world\n".utf8), with: [AgeIdentity.generate(using: &generator)])
        }
        XCTAssertEqual(error?.category, .armor)
        XCTAssertTrue(error?.description.contains("not an age file") ?? false, String(describing: error))
    }
}
