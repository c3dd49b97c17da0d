import Foundation
import XCTest
@testable import KeysyncCore
@testable import Reconciler

/// State files written by someone else: inputs found by fuzzing (FUZZING.md) that once crashed
/// the reader. Each must now be an error, never a trap.
final class StateFileHostileInputTests: XCTestCase {
    private let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/no-changes/state.json")

    /// `"rate_limit": 222…` (79 digits) trapped the one-pass reader with an arithmetic overflow:
    /// it counted digits only after multiplying them all in (FuzzStateFile).
    func testAnIntegerTooLongForIntIsAnErrorNotACrash() throws {
        let text = try String(contentsOf: fixture, encoding: .utf8)
        for field in ["rate_limit", "generation", "serial"] {
            for digits in [19, 20, 79] {
                let huge = String(repeating: "2", count: digits)
                let hostile = Data(text.replacingOccurrences(
                    of: #""\#(field)": [0-9]+"#, with: "\"\(field)\": \(huge)", options: .regularExpression).utf8)
                XCTAssertNil(CanonicalStateReader.read(hostile), "\(field), \(digits) digits")
                if digits == 19 {
                    // 2_222_222_222_222_222_222 fits in Int: the reference decoder reads it.
                    XCTAssertNoThrow(try StateFile.decode(hostile), "\(field), \(digits) digits")
                } else {
                    XCTAssertThrowsError(try StateFile.decode(hostile), "\(field), \(digits) digits")
                }
            }
        }
    }

    func testEighteenDigitsStillReadOnTheFastPath() throws {
        let text = try String(contentsOf: fixture, encoding: .utf8)
        let big = text.replacingOccurrences(of: #""serial": [0-9]+"#, with: "\"serial\": 999999999999999999",
                                            options: .regularExpression)
        let fast = try XCTUnwrap(CanonicalStateReader.read(Data(big.utf8)))
        XCTAssertEqual(fast.serial, 999_999_999_999_999_999)
        XCTAssertEqual(fast, try CanonicalJSON.decoder().decode(StateFile.self, from: Data(big.utf8)))
    }
}
