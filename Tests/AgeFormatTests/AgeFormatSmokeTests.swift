import XCTest
@testable import AgeFormat

// Replaced by the module's real tests.
final class AgeFormatSmokeTests: XCTestCase {
    func testModuleLinks() {}
}
