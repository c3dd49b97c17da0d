import Foundation
import Notices
import Reconciler
import XCTest

/// The ledger file: what it holds, what it refuses, and that it keeps only what is still due.
final class NoticeLedgerTests: XCTestCase {
    let edge = NoticePlanTests.notice("edge", owner: "lead@example.com", seed: 1)
    let soon = NoticePlanTests.notice("soon", owner: "carol@example.com", seed: 2)

    func testRoundTripsSortedAndPrunesWhatIsNoLongerDue() throws {
        var ledger = NoticeLedger.empty
        ledger.record([soon.subject, edge.subject], to: .webhook, at: NoticePlanTests.now)
        ledger.record([edge.subject], to: .mail(MailAddress("lead@example.com")!), at: NoticePlanTests.now)
        let bytes = ledger.encoded()
        XCTAssertEqual(try NoticeLedger(decoding: bytes), ledger)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("{\n  \"sent\": [\n"), text)
        XCTAssertTrue(text.contains("\"event\": \"expiry\""), text)
        XCTAssertTrue(text.contains("\"to\": \"mail:lead@example.com\""), text)
        XCTAssertFalse(text.contains(edge.preview.rawValue), "the ledger names keys by id only")
        let entryLines = text.split(separator: "\n").filter { $0.contains("\"key\"") }
        XCTAssertEqual(entryLines.count, 3, "one line per delivery: \(text)")
        for line in entryLines { XCTAssertTrue(line.contains("\"sent_at\"") && line.contains("\"to\""), String(line)) }

        let pruned = ledger.pruned(keeping: [soon.subject])
        XCTAssertTrue(pruned.hasSent(soon.subject, to: .webhook))
        XCTAssertFalse(pruned.hasSent(edge.subject, to: .webhook))
        XCTAssertFalse(pruned.hasSent(edge.subject, to: .mail(MailAddress("lead@example.com")!)))
    }

    func testRefusesWhatIsNotALedger() {
        let key = edge.keyID.rawValue
        let cases: [(String, String)] = [
            ("[]", "not a notices ledger"),
            (#"{"version": 2, "sent": []}"#, "ledger version 2"),
            (#"{"version": 1, "sent": [{"key": "k", "generation": 0, "event": "expiry", "at": "2026-11-30T23:59:59Z", "to": "webhook", "sent_at": "2026-11-25T12:00:00Z"}]}"#, "entry 1: \"key\""),
            (#"{"version": 1, "sent": [{"key": "\#(key)", "generation": 0, "event": "expiry", "at": "soon", "to": "webhook", "sent_at": "2026-11-25T12:00:00Z"}]}"#, "RFC 3339"),
            (#"{"version": 1, "sent": [{"key": "\#(key)", "generation": 0, "event": "expiry", "at": "2026-11-30T23:59:59Z", "to": "mail:nobody", "sent_at": "2026-11-25T12:00:00Z"}]}"#, "\"to\" must be"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try NoticeLedger(decoding: Array(text.utf8)), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
    }

    func testAnEventKindFromANewerKeysyncIsDroppedNotMisread() throws {
        let text = #"{"version": 1, "sent": [{"key": "\#(edge.keyID.rawValue)", "generation": 0, "event": "renewal", "at": "2026-11-30T23:59:59Z", "to": "webhook", "sent_at": "2026-11-25T12:00:00Z"}]}"#
        XCTAssertEqual(try NoticeLedger(decoding: Array(text.utf8)), .empty)
    }
}
