import XCTest
@testable import Manifest

// Replaced by the module's real tests.
final class ManifestSmokeTests: XCTestCase {
    func testModuleLinks() {}
}
