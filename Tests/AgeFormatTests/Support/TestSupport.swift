import Crypto
import Foundation
import XCTest
@_exported import TestSupport
@testable import AgeFormat


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
