import XCTest

final class VersionTests: XCTestCase {
    func testVersionFlagPrintsVersionAndExitsZero() throws {
        let result = try Keysync.run(["--version"])
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertEqual(result.stdout, "0.1.0\n")
    }

    func testUnknownSubcommandIsAUsageError() throws {
        let result = try Keysync.run(["frobnicate"])
        XCTAssertEqual(result.exitCode, 64, result.stderr)
    }
}
