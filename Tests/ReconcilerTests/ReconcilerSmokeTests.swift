import XCTest
@testable import Reconciler

// Replaced by the module's real tests.
final class ReconcilerSmokeTests: XCTestCase {
    func testModuleLinks() {}
}
