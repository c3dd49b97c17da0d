import Foundation
import XCTest

/// Where the tests that need an outside observer find python3: Debian's, which `.ci/run` installs
/// with the modules the tests import. Missing on a machine set up only as the README says, where
/// those tests skip with the reason.
enum Python {
    static func executable(for purpose: String) throws -> URL {
        let candidates = ["/usr/bin/python3", "/usr/local/bin/python3"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("python3 is not installed (needed \(purpose)); install python3 (apt-get install python3; CI installs it with the modules the tests import)")
        }
        return URL(fileURLWithPath: path)
    }
}
