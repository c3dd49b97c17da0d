import Foundation
import Notices
import Reconciler
import TestSupport
import XCTest

/// Scheduled rotations (`rotate_every`) coming due reach `notify` through the same seam as
/// expiries: their own event kind in the ledger, their own words in mail and webhook.
final class RotationNoticeTests: XCTestCase {
    static let now = Timestamp.parse("2026-11-25T12:00:00Z")!

    private func record(_ tag: String, name: String, dueAt: String?, expiresAt: String? = nil, status: KeyStatus = .active,
                        revokeAfter: String? = nil, seed: UInt64) -> KeyRecord {
        var generator = SeededGenerator(seed: seed)
        let key = try! APIKey.mint(prefix: "thig", using: &generator)
        var record = KeyRecord(id: KeyID.test(tag), team: "payments", name: name, hash: key.hash, preview: key.preview,
                               createdAt: Self.now.addingTimeInterval(-86_400 * 80), createdBy: "ci",
                               expiresAt: expiresAt.flatMap(Timestamp.parse), status: status,
                               revokeAfter: revokeAfter.flatMap(Timestamp.parse), sealedFile: "000001-payments.age")
        record.rotateDueAt = dueAt.flatMap(Timestamp.parse)
        return record
    }

    private var state: StateFile {
        StateFile(lineage: "l", serial: 2, prefix: "thig",
                  teams: [TeamRecord(name: "payments", plan: "pro", apiAccess: true, owner: "lead@example.com",
                                     contacts: ["oncall@example.com"])],
                  keys: [
                      record("a", name: "due", dueAt: "2026-11-20T00:00:00Z", seed: 1),
                      record("b", name: "coming", dueAt: "2026-11-30T00:00:00Z", seed: 2),
                      record("c", name: "later", dueAt: "2027-01-30T00:00:00Z", seed: 3),
                      record("d", name: "unscheduled", dueAt: nil, seed: 4),
                      record("e", name: "paused", dueAt: "2026-11-20T00:00:00Z", status: .inactive, seed: 5),
                      record("f", name: "both", dueAt: "2026-11-28T00:00:00Z", expiresAt: "2026-11-27T00:00:00Z", seed: 6),
                  ])
    }

    func testDueListsExpiriesThenRotationsWithinTheWindow() {
        let due = DueNotice.due(in: state, now: Self.now, within: 7 * 86_400)
        XCTAssertEqual(due.map(\.name), ["both", "due", "both", "coming"])
        XCTAssertEqual(due.map(\.event.kind), ["expiry", "rotation", "rotation", "rotation"])
        XCTAssertEqual(due.map(\.isPast), [false, true, false, false])
        XCTAssertEqual(due[1].event, .rotationDue(at: Timestamp.parse("2026-11-20T00:00:00Z")!))
        XCTAssertEqual(due[1].owner, "lead@example.com")
        XCTAssertEqual(due[1].contacts, ["oncall@example.com"])
        // The expiry and the rotation of one key are two subjects: neither stands in for the other.
        XCTAssertNotEqual(due[0].subject, due[2].subject)
    }

    func testTheLedgerKeepsRotationEventsApartAndReadsThemBack() throws {
        let due = DueNotice.due(in: state, now: Self.now, within: 7 * 86_400)
        var ledger = NoticeLedger.empty
        let destination = NoticeDestination.mail(MailAddress("lead@example.com")!)
        ledger.record([due[1].subject], to: destination, at: Self.now)
        XCTAssertTrue(ledger.hasSent(due[1].subject, to: destination))
        XCTAssertFalse(ledger.hasSent(due[0].subject, to: destination))
        let read = try NoticeLedger(decoding: ledger.encoded())
        XCTAssertEqual(read, ledger)
        XCTAssertTrue(String(decoding: ledger.encoded(), as: UTF8.self).contains("\"rotation\""))
        XCTAssertEqual(NoticeEvent(kind: "rotation", date: Self.now), .rotationDue(at: Self.now))
    }

    func testMailAndWebhookSayWhichKeysAreRotatedOnSchedule() {
        let due = DueNotice.due(in: state, now: Self.now, within: 7 * 86_400)
        let plan = NoticePlan.make(due: due, ledger: .empty, mail: true, webhook: true)
        let mail = NoticeMail(plan.mails[0], from: MailAddress("keysync@example.com")!, now: Self.now, within: "7d")
        XCTAssertTrue(mail.text.contains("Subject: keysync: 4 API keys have expired, expire or are rotated on schedule within 7d"), mail.text)
        XCTAssertTrue(mail.text.contains("payments/due (\(KeyID.test("a")), "), mail.text)
        XCTAssertTrue(mail.text.contains(") is due for its scheduled rotation since 2026-11-20T00:00:00Z [owner]"), mail.text)
        XCTAssertTrue(mail.text.contains(") is rotated on schedule after 2026-11-30T00:00:00Z [owner]"), mail.text)
        let webhook = NoticeWebhookMessage(due, now: Self.now, within: "7d")
        XCTAssertTrue(webhook.text.hasPrefix("*keysync*: 4 API keys have expired, expire or are rotated on schedule within 7d"), webhook.text)
        // Expiries alone keep their words.
        let expiries = NoticeWebhookMessage([due[0]], now: Self.now, within: "7d")
        XCTAssertTrue(expiries.text.hasPrefix("*keysync*: 1 API key has expired or expires within 7d"), expiries.text)
        // Never the hash.
        for notice in due {
            let hash = state.keys.first { $0.id == notice.keyID }!.hash.rawValue
            XCTAssertFalse(mail.text.contains(hash) || webhook.text.contains(hash))
        }
    }
}
