import XCTest
@testable import AgeFormat

/// Any change to a sealed file is detected and reported as the right error, and no plaintext is
/// returned (decrypt either returns everything, authenticated, or throws).
final class AgeTamperingTests: XCTestCase {
    private var generator = SeededGenerator(seed: 77)
    private lazy var alice = AgeIdentity.generate(using: &generator)

    private func seal(_ size: Int) throws -> [UInt8] {
        try AgeEncryptor.encrypt(samplePlaintext(size), to: [alice.recipient], using: &generator)
    }

    private func error(opening file: [UInt8], file callerFile: StaticString = #filePath, line: UInt = #line) -> AgeError? {
        assertAgeError({ () throws(AgeError) in try AgeDecryptor.decrypt(file, with: [alice]) }, file: callerFile, line: line)
    }

    /// Offset of the `index`th occurrence of a header line's start.
    private func headerLineStart(_ file: [UInt8], line: Int) -> Int {
        var seen = 0
        for (offset, byte) in file.enumerated() where byte == 0x0A {
            seen += 1
            if seen == line { return offset + 1 }
        }
        return 0
    }

    /// Replaces one base64 character by another (keeping the text well-formed base64).
    private func changingBase64(_ file: [UInt8], at offset: Int) -> [UInt8] {
        var copy = file
        copy[offset] = copy[offset] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        return copy
    }

    func testChangedVersionLine() throws {
        var file = try seal(10)
        file[20] = UInt8(ascii: "2")  // age-encryption.org/v2
        XCTAssertEqual(error(opening: file), .unsupportedVersion("v2"))
    }

    func testChangedShareIsNoMatch() throws {
        let file = try seal(10)
        let shareStart = headerLineStart(file, line: 1) + "-> X25519 ".count
        XCTAssertEqual(error(opening: changingBase64(file, at: shareStart + 5)), .noMatchingIdentity(unsupportedStanzaTypes: []))
    }

    func testChangedStanzaBodyIsNoMatch() throws {
        let file = try seal(10)
        XCTAssertEqual(error(opening: changingBase64(file, at: headerLineStart(file, line: 2) + 3)),
                       .noMatchingIdentity(unsupportedStanzaTypes: []))
    }

    func testChangedMACIsBadHeaderMAC() throws {
        let file = try seal(10)
        let macStart = headerLineStart(file, line: 3) + 4
        XCTAssertEqual(error(opening: changingBase64(file, at: macStart + 10)), .badHeaderMAC)
    }

    func testAddedStanzaIsBadHeaderMAC() throws {
        let file = try seal(10)
        let macLine = headerLineStart(file, line: 3)
        let tampered = Array(file[..<macLine]) + Array("-> grease x\n\n".utf8) + Array(file[macLine...])
        XCTAssertEqual(error(opening: tampered), .badHeaderMAC)
    }

    func testBrokenHeaderNamesItsLine() throws {
        let file = try seal(10)
        let macLine = headerLineStart(file, line: 3)
        let tampered = Array(file[..<macLine]) + Array("junk\n".utf8) + Array(file[macLine...])
        guard case .malformedHeader(let line, _) = error(opening: tampered) else { return XCTFail("expected a header error") }
        XCTAssertEqual(line, 4)
    }

    func testChangedPayloadNonceFailsTheFirstChunk() throws {
        var file = try seal(10)
        let nonce = try AgeHeader.parse(file).payloadOffset
        file[nonce + 3] ^= 0x01
        XCTAssertEqual(error(opening: file), .badChunkTag(chunk: 0))
    }

    func testChangedByteInEachChunkNamesThatChunk() throws {
        let size = 200 * 1024  // chunks 0, 1, 2 full, chunk 3 short and final
        let file = try seal(size)
        let payload = try AgeHeader.parse(file).payloadOffset + 16
        for chunk in 0..<4 {
            var tampered = file
            tampered[payload + chunk * (65_536 + 16) + 100] ^= 0x80
            XCTAssertEqual(error(opening: tampered), .badChunkTag(chunk: chunk), "chunk \(chunk)")
        }
        var lastTag = file
        lastTag[file.count - 1] ^= 0x01
        XCTAssertEqual(error(opening: lastTag), .badChunkTag(chunk: 3))
    }

    func testTruncationIsDetected() throws {
        let file = try seal(200 * 1024)
        let header = try AgeHeader.parse(file)
        let payload = header.payloadOffset + 16
        // Cut exactly after a full chunk: what is left authenticates, but no final chunk is there.
        XCTAssertEqual(error(opening: Array(file[..<(payload + 65_552)])), .truncatedPayload)
        XCTAssertEqual(error(opening: Array(file[..<(payload + 2 * 65_552)])), .truncatedPayload)
        // Cut inside the last chunk: its tag no longer verifies.
        XCTAssertEqual(error(opening: Array(file.dropLast(1))), .badChunkTag(chunk: 3))
        // Cut leaving fewer than a tag's worth of the next chunk.
        XCTAssertEqual(error(opening: Array(file[..<(payload + 65_552 + 10)])), .truncatedPayload)
        // Cut at the start of the payload, inside the nonce, inside the header.
        XCTAssertEqual(error(opening: Array(file[..<payload])), .truncatedPayload)
        XCTAssertEqual(error(opening: Array(file[..<(payload - 5)])), .missingPayloadNonce)
        XCTAssertEqual(error(opening: Array(file[..<header.payloadOffset])), .missingPayloadNonce)
        XCTAssertEqual(error(opening: Array(file[..<(header.payloadOffset - 10)]))?.category, .header)
    }

    func testAppendedDataIsDetected() throws {
        // After a full final chunk, anything appended stands alone and is trailing data.
        let full = try seal(65_536)
        XCTAssertEqual(error(opening: full + [0]), .trailingData)
        XCTAssertEqual(error(opening: full + samplePlaintext(65_552)), .trailingData)
        // After a short final chunk, appended bytes become part of it and break its tag.
        let short = try seal(100)
        XCTAssertEqual(error(opening: short + [0]), .badChunkTag(chunk: 0))
        XCTAssertEqual(error(opening: short + short), .badChunkTag(chunk: 0))
    }

    func testFlippingAnyByteOfASmallFileFails() throws {
        let file = try seal(40)
        for offset in file.indices {
            var tampered = file
            tampered[offset] ^= 0x04
            XCTAssertNotNil(error(opening: tampered), "offset \(offset)")
        }
    }
}
