import KeysyncCore
import XCTest
@testable import Manifest

/// Table tests of the pure scalar readers: periods, dates, recipients, names, suggestions.
final class ScalarParsingTests: XCTestCase {
    func testPeriods() {
        let table: [(String, Int64?)] = [
            ("90d", 90 * 86_400), ("12h", 43_200), ("52w", 52 * 604_800), ("30m", 1_800), ("1s", 1),
            ("0d", nil), ("d", nil), ("90", nil), ("90x", nil), ("-1d", nil), ("1.5h", nil), (" 9d", nil),
            ("90D", nil), ("", nil), ("36000d", 36_000 * 86_400), ("40000d", nil),
            ("99999999999999999999w", nil),
        ]
        for (text, seconds) in table {
            XCTAssertEqual(Period(parsing: text)?.seconds, seconds, text)
        }
        XCTAssertEqual(Period(parsing: "90d")?.text, "90d")
    }

    func testExpiryDates() {
        let endOf20270301: Double = 1_803_945_599  // 2027-03-01T23:59:59Z
        let table: [(String, Double?)] = [
            ("2027-03-01", endOf20270301),
            ("2027-03-01T23:59:59Z", endOf20270301),
            ("2027-03-01t23:59:59z", endOf20270301),
            ("2027-03-02T01:59:59+02:00", endOf20270301),
            ("2027-03-01T20:29:59-03:30", endOf20270301),
            ("2027-03-01T23:59:58.5Z", endOf20270301 - 0.5),
            ("2028-02-29", 1_835_481_599),
            ("1970-01-01T00:00:00Z", 0),
            ("2027-02-29", nil), ("2027-13-01", nil), ("2027-00-10", nil), ("2027-3-1", nil),
            ("2027-03-01T24:00:00Z", nil), ("2027-03-01T12:00Z", nil), ("2027-03-01T12:00:00", nil),
            ("2027-03-01T12:00:00+0200", nil), ("2027-03-01T12:00:00.Z", nil), ("2027-03-01 ", nil),
            ("tomorrow", nil), ("", nil),
        ]
        for (text, seconds) in table {
            XCTAssertEqual(Timestamp.parseDateOrTimestamp(text)?.timeIntervalSince1970, seconds, text)
        }
    }

    func testRecipients() {
        XCTAssertNoThrow(try validateRecipient("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p").get())
        XCTAssertNoThrow(try validateRecipient("age1apcellch8vu98ly54uz5e8fvyyqnyz9v6pgvvqxdy3j2cyjkjvmqlkhvtd").get())
        let table: [(String, String)] = [
            ("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8q", "checksum"),
            ("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8", "checksum"),
            ("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcacbp", "character 61"),
            ("AGE1QL3Z7HJY54PW3HYWW5AYYFG7ZQGVC7W3J2ELW8ZMRJ2KG5SFN9AQMCAC8P", "lower-case"),
            ("ssh-ed25519 AAAA", "ssh"),
            ("AGE-SECRET-KEY-1XYZ", "secret"),
            ("bob@example.com", "age1"),
        ]
        for (text, reason) in table {
            let problem: RecipientProblem?
            if case .failure(let refused) = validateRecipient(text) { problem = refused } else { problem = nil }
            XCTAssertEqual(problem?.code, .invalidRecipient, text)
            XCTAssertTrue(problem?.reason.contains(reason) ?? false, "\(text): \(problem?.reason ?? "accepted")")
        }
        // Well-formed Bech32 holding a point no key generator makes: codes of their own.
        func code(_ text: String) -> ManifestDiagnosticCode? {
            if case .failure(let problem) = validateRecipient(text) { return problem.code }
            return nil
        }
        XCTAssertEqual(code("age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z"), .recipientLowOrder)
        XCTAssertEqual(code("age1m0llllllllllllllllllllllllllllllllllllllllllllllllls5pc389"), .recipientNotCanonical)
        // A valid recipient comes back parsed, in its canonical spelling.
        XCTAssertEqual(try validateRecipient("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p").get().description,
                       "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
    }

    func testNames() {
        for good in ["payments", "no", "a", "checkout-api_v2.1", String(repeating: "a", count: 63)] {
            XCTAssertTrue(ScalarSyntax.isValidName(good), good)
        }
        for bad in ["", "Payments", "check out", "café", "a/b", String(repeating: "a", count: 64)] {
            XCTAssertFalse(ScalarSyntax.isValidName(bad), bad)
        }
        XCTAssertTrue(ScalarSyntax.isValidPrefix("thig"))
        XCTAssertTrue(ScalarSyntax.isValidPrefix("Sk2"))
        XCTAssertFalse(ScalarSyntax.isValidPrefix("thig_"))
        XCTAssertFalse(ScalarSyntax.isValidPrefix(String(repeating: "a", count: 17)))
    }

    func testSuggestions() {
        let fields = KeyField.table.names
        XCTAssertEqual(Suggestion.nearest(to: "rate_limt", in: fields), "rate_limit")
        XCTAssertEqual(Suggestion.nearest(to: "expire", in: fields), "expires")
        XCTAssertEqual(Suggestion.nearest(to: "renamed-from", in: fields), "renamed_from")
        XCTAssertNil(Suggestion.nearest(to: "colour", in: fields))
        XCTAssertNil(Suggestion.nearest(to: "x", in: ["y"]))
    }

    func testScalarsAreReadByTheTypeTheirFieldExpects() throws {
        let text = """
        version: 1
        prefix: "123"
        teams:
          no:
            plan: starter
            owner: n@example.com
            recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]
            keys:
              - name: "true"
                description: 60
                active: false
              - name: null-key
                rotate: 0
        """
        let result = ManifestLoader.load([ManifestSource(path: "k.yaml", bytes: Array(text.utf8))])
        XCTAssertEqual(result.diagnostics, [])
        let team = try XCTUnwrap(result.manifest?.team(named: "no"))
        XCTAssertEqual(result.manifest?.prefix.value, "123")
        XCTAssertEqual(team.keys.map(\.name.value), ["true", "null-key"])
        XCTAssertEqual(team.keys[0].description?.value, "60")
        XCTAssertFalse(team.keys[0].active)
    }
}
