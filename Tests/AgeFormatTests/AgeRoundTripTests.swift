import XCTest
@testable import AgeFormat

final class AgeRoundTripTests: XCTestCase {
    private var generator = SeededGenerator(seed: 2026)

    private func identity() -> AgeIdentity { AgeIdentity.generate(using: &generator) }

    func testRoundTripsAtChunkBoundaries() throws {
        let alice = identity()
        for size in [0, 1, 100, 65_535, 65_536, 65_537, 131_072, 200 * 1024] {
            let plaintext = samplePlaintext(size, seed: UInt64(size))
            for armor in [false, true] {
                let file = try AgeEncryptor.encrypt(plaintext, to: [alice.recipient], armor: armor, using: &generator)
                XCTAssertEqual(AgeArmor.looksArmored(file), armor, "size \(size)")
                let opened = try AgeDecryptor.decrypt(file, with: [alice])
                XCTAssertEqual(opened, plaintext, "size \(size), armor \(armor)")
            }
        }
    }

    func testPayloadIsSplitInto64KiBChunksWithOneTagEach() throws {
        let alice = identity()
        // (plaintext size, number of chunks): empty gets one empty chunk; exactly 64 KiB is one
        // full final chunk; one byte more needs a second chunk.
        for (size, chunks) in [(0, 1), (1, 1), (65_536, 1), (65_537, 2), (200 * 1024, 4)] {
            let file = try AgeEncryptor.encrypt(samplePlaintext(size), to: [alice.recipient], using: &generator)
            let header = try AgeHeader.parse(file)
            XCTAssertEqual(file.count - header.payloadOffset, 16 + size + 16 * chunks, "size \(size)")
        }
    }

    func testEveryRecipientCanOpenAndOthersCannot() throws {
        let team = (0..<3).map { _ in identity() }
        let outsider = identity()
        let plaintext = Array("thig_G1x2 payments checkout-api".utf8)
        let file = try AgeEncryptor.encrypt(plaintext, to: team.map(\.recipient), using: &generator)

        let text = String(decoding: file.prefix(32), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("age-encryption.org/v1\n-> X25519 "))
        XCTAssertEqual(try AgeHeader.parse(file).stanzas.count, 3)
        for member in team {
            XCTAssertEqual(try AgeDecryptor.decrypt(file, with: [member]), plaintext)
            XCTAssertEqual(try AgeDecryptor.decrypt(file, with: [outsider, member]), plaintext)
        }
        let error = assertAgeError { () throws(AgeError) in try AgeDecryptor.decrypt(file, with: [outsider]) }
        XCTAssertEqual(error, .noMatchingIdentity(unsupportedStanzaTypes: []))
        XCTAssertEqual(error?.category, .noMatch)
    }

    func testHeaderIsWellFormedText() throws {
        let alice = identity()
        let file = try AgeEncryptor.encrypt([1, 2, 3], to: [alice.recipient], using: &generator)
        let header = try AgeHeader.parse(file)
        let lines = String(decoding: file[..<header.payloadOffset], as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 5, "version, stanza, body, MAC, and the empty rest")
        XCTAssertEqual(lines[0], "age-encryption.org/v1")
        XCTAssertTrue(lines[1].hasPrefix("-> X25519 "))
        XCTAssertEqual(lines[1].count, "-> X25519 ".count + 43, "32-byte share, unpadded base64")
        XCTAssertEqual(lines[2].count, 43, "the 32-byte wrapped key fits one short body line")
        XCTAssertTrue(lines[3].hasPrefix("--- "))
        XCTAssertEqual(lines[3].count, 4 + 43)
        XCTAssertEqual(lines[4], "")
    }

    func testFreshKeysAndNoncesForEveryFile() throws {
        let alice = identity()
        let plaintext = samplePlaintext(64)
        let first = try AgeEncryptor.encrypt(plaintext, to: [alice.recipient], using: &generator)
        let second = try AgeEncryptor.encrypt(plaintext, to: [alice.recipient], using: &generator)
        XCTAssertNotEqual(first, second)
        let firstHeader = try AgeHeader.parse(first), secondHeader = try AgeHeader.parse(second)
        XCTAssertNotEqual(firstHeader.stanzas[0].arguments[1], secondHeader.stanzas[0].arguments[1])
        XCTAssertNotEqual(first[firstHeader.payloadOffset..<firstHeader.payloadOffset + 16],
                          second[secondHeader.payloadOffset..<secondHeader.payloadOffset + 16])
    }

    func testSameGeneratorStateGivesSameFile() throws {
        // The core is pure: randomness is an input.
        let alice = identity()
        var one = SeededGenerator(seed: 9), two = SeededGenerator(seed: 9)
        XCTAssertEqual(try AgeEncryptor.encrypt([7], to: [alice.recipient], using: &one),
                       try AgeEncryptor.encrypt([7], to: [alice.recipient], using: &two))
    }

    func testSealingToNobodyIsAnError() {
        let error = assertAgeError { () throws(AgeError) in try AgeEncryptor.encrypt([1], to: [], using: &generator) }
        XCTAssertEqual(error, .noRecipients)
    }

    func testOpeningWithoutIdentitiesIsAnError() throws {
        let file = try AgeEncryptor.encrypt([1], to: [identity().recipient], using: &generator)
        let error = assertAgeError { () throws(AgeError) in try AgeDecryptor.decrypt(file, with: []) }
        XCTAssertEqual(error, .noIdentities)
    }
}
