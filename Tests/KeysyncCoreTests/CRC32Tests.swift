import CZlib
import KeysyncCore
import TestSupport
import XCTest

/// The core's CRC-32 against zlib's `crc32` (the reference the key format was defined with) on
/// random inputs of every length up to 300 bytes, plus the standard check value.
final class CRC32Tests: XCTestCase {
    func testAgreesWithZlib() {
        var generator = SeededGenerator(seed: 32)
        for length in 0...300 {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let reference = bytes.withUnsafeBufferPointer { UInt32(crc32(crc32(0, nil, 0), $0.baseAddress, uInt($0.count))) }
                XCTAssertEqual(CRC32.checksum(bytes), reference, "length \(length)")
            }
        }
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }
}
