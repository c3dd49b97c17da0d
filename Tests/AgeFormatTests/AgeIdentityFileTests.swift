import Foundation
import XCTest
import AgeFormat

final class AgeIdentityFileTests: XCTestCase {
    let first = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"

    func testParsesCommentsBlankLinesAndSeveralIdentities() throws {
        var generator = SeededGenerator(seed: 3)
        let second = AgeIdentity.generate(using: &generator)
        let text = "# created: 2026-11-25T09:00:00Z\n# public key: age1...\n\(first)\n\n  # another\n\(second.secretKeyText)\r\n"
        let identities = try AgeIdentityFile.parse(text)
        XCTAssertEqual(identities.map(\.recipient), [try AgeIdentity(parsing: first).recipient, second.recipient])
    }

    func testBadLineIsNamedWithoutItsSecret() {
        let broken = String(first.dropLast()) + "Q"
        let error = assertAgeError { () throws(AgeError) in try AgeIdentityFile.parse("# comment\n\n\(broken)\n") }
        XCTAssertEqual(error, .invalidIdentity(.badChecksum, line: 3))
        XCTAssertFalse(error?.description.contains(broken) ?? true)
        XCTAssertTrue(error?.description.contains("line 3") ?? false)
    }

    func testFileWithoutIdentitiesIsAnError() {
        XCTAssertEqual(assertAgeError { () throws(AgeError) in try AgeIdentityFile.parse("# nothing here\n\n") }, .noIdentities)
        XCTAssertEqual(assertAgeError { () throws(AgeError) in try AgeIdentityFile.parse("") }, .noIdentities)
    }

    func testRenderMatchesAgeKeygenLayout() throws {
        let identity = try AgeIdentity(parsing: first)
        let text = AgeIdentityFile.render(identity, created: Date(timeIntervalSince1970: 1_795_597_200))
        XCTAssertEqual(text, """
            # created: 2026-11-25T09:00:00Z
            # public key: age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj
            \(first)

            """)
        XCTAssertEqual(try AgeIdentityFile.parse(text).map(\.recipient), [identity.recipient])
    }
}
