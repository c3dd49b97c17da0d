import Foundation
import Reconciler
import XCTest

/// `Timestamp` reads and writes its canonical form without Foundation's formatter; these check
/// it agrees with Foundation's ISO 8601 style, which stays the reference.
final class TimestampTests: XCTestCase {
    private let reference = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)

    func testFormatAndParseAgreeWithFoundationAcrossCalendarEdges() throws {
        // Every day boundary ± a second from 1970 to 2500 in steps that hit leap days, month and
        // year ends (prime step), plus fixed edge cases.
        var instants: [TimeInterval] = [0, 59, 86_399, 951_782_400, 951_868_799, 4_107_542_399, 253_402_300_799]
        var t: TimeInterval = 0
        while t < 16_725_225_600 { instants.append(t); instants.append(t + 86_399); t += 86_400 * 97 + 3_607 }
        for interval in instants {
            let date = Date(timeIntervalSince1970: interval)
            let expected = date.formatted(reference)
            XCTAssertEqual(Timestamp.format(date), expected, "format at \(interval)")
            XCTAssertEqual(Timestamp.parse(expected), date, "parse of \(expected)")
        }
    }

    /// Valid non-canonical forms read as Foundation reads them; impossible dates and times,
    /// which Foundation rolls over (a state or log edited to `T61:00:00` would move a grace
    /// period), are refused.
    func testNonCanonicalInputIsReadAsFoundationReadsItAndImpossibleOnesAreRefused() {
        for text in ["2026-11-25T09:00:00+01:00", "2026-11-25T09:00:00.250Z", "1969-12-31T23:59:59Z",
                     "2024-02-29T00:00:00Z", "2026-11-25T09:00:00-05:30"] {
            let foundation = (try? Date(text, strategy: Date.ISO8601FormatStyle()))
                ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            XCTAssertNotNil(foundation, text)
            XCTAssertEqual(Timestamp.parse(text), foundation, text)
        }
        for text in ["2026-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z",
                     "2026-11-26T61:00:00Z", "2026-11-25T09:60:00Z", "2026-11-25", "not a date", "",
                     "2026-11-25T09:00:00", "2026-11-25T09:00:00+1:00"] {
            XCTAssertNil(Timestamp.parse(text), text)
        }
        XCTAssertEqual(Timestamp.parseDateOrTimestamp("2027-03-01"), Timestamp.parse("2027-03-01T23:59:59Z"))
    }

    func testFractionalSecondsAreFormattedAsFoundationDoes() {
        let date = Date(timeIntervalSince1970: 1_795_000_000.75)
        XCTAssertEqual(Timestamp.format(date), date.formatted(reference))
    }
}
