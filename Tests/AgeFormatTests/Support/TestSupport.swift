import Crypto
import Foundation
import XCTest
@_exported import AgeTestSupport
@testable import AgeFormat

/// A deterministic generator (SplitMix64) so tests are reproducible; never used outside tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` bytes of recognisable, non-repeating test data.
func samplePlaintext(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
}

func sha256Hex(_ bytes: [UInt8]) -> String { cctvPayloadDigest(bytes) }

/// Runs `body` and returns the AgeError it throws, failing the test when it succeeds.
func assertAgeError<T>(
    _ body: () throws(AgeError) -> T, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) -> AgeError? {
    do {
        _ = try body()
        XCTFail("expected an AgeError. \(message)", file: file, line: line)
        return nil
    } catch {
        return error
    }
}


/// A fresh temporary folder per test.
func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("agetests-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
