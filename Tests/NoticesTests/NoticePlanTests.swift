import Foundation
import Notices
import Reconciler
import TestSupport
import XCTest

/// Who hears about which keys, and what the ledger lets through: table tests of the pure part.
final class NoticePlanTests: XCTestCase {
    static let now = Timestamp.parse("2026-11-25T12:00:00Z")!

    static func notice(_ name: String, team: String = "payments", owner: String?, contacts: [String] = [],
                       expires: String = "2026-11-30T23:59:59Z", generation: Int = 0, seed: UInt64) -> DueNotice {
        var generator = SeededGenerator(seed: seed)
        let key = try! APIKey.mint(prefix: "thig", using: &generator)
        let at = Timestamp.parse(expires)!
        return DueNotice(keyID: KeyID.mint(using: &generator), team: team, name: name, preview: key.preview,
                         generation: generation, event: .expiry(at: at), isPast: at <= now, owner: owner, contacts: contacts)
    }

    let edge = notice("edge", owner: "lead@example.com", contacts: ["oncall@example.com", "lead@example.com"],
                      expires: "2026-11-25T12:00:00Z", seed: 1)
    let soon = notice("soon", owner: "carol@example.com", contacts: ["oncall@example.com"], seed: 2)
    let infra = notice("infra", team: "platform", owner: "team-platform", contacts: ["ops@example.com"], seed: 3)
    let orphan = notice("orphan", team: "legacy", owner: nil, seed: 4)

    func testMailAddressesAreCheckedAtTheMailEdge() {
        for good in ["a@example.com", "first.last+tag@sub.example.org"] {
            XCTAssertNotNil(MailAddress(good), good)
        }
        for bad in ["", "team-platform", "@example.com", "a@", "a@b", "a@@b.c", "a b@example.com", "a@example.com\nBcc: x@y.z",
                    "<a@example.com>", "a@example.com,b@example.com", "-oQ/tmp@example.com", "a@.example.com", "a@example.com."] {
            XCTAssertNil(MailAddress(bad), bad)
        }
    }

    func testEachPersonGetsOneMailWithTheirKeysAndTheirRole() {
        let plan = NoticePlan.make(due: [edge, soon], ledger: .empty, mail: true, webhook: false)
        XCTAssertEqual(plan.mails.map(\.to.rawValue), ["carol@example.com", "lead@example.com", "oncall@example.com"])
        XCTAssertEqual(plan.mails[0].items.map(\.notice.name), ["soon"])
        XCTAssertEqual(plan.mails[0].items.map(\.isOwner), [true])
        XCTAssertEqual(plan.mails[1].items.map(\.notice.name), ["edge"], "the owner listed again as contact gets one line")
        XCTAssertEqual(plan.mails[2].items.map(\.notice.name), ["edge", "soon"])
        XCTAssertEqual(plan.mails[2].items.map(\.isOwner), [false, false])
        XCTAssertEqual(plan.webhook, [], "no webhook configured")
        XCTAssertEqual(plan.alreadySent, 0)
    }

    func testWhatTheLedgerRecordsIsNotSentAgain() {
        var ledger = NoticeLedger.empty
        ledger.record([edge.subject], to: .mail(MailAddress("oncall@example.com")!), at: Self.now)
        ledger.record([edge.subject, soon.subject], to: .webhook, at: Self.now)
        let plan = NoticePlan.make(due: [edge, soon], ledger: ledger, mail: true, webhook: true)
        XCTAssertEqual(plan.mails.first { $0.to.rawValue == "oncall@example.com" }?.items.map(\.notice.name), ["soon"])
        XCTAssertEqual(plan.mails.first { $0.to.rawValue == "lead@example.com" }?.items.map(\.notice.name), ["edge"])
        XCTAssertEqual(plan.webhook, [])
        XCTAssertEqual(plan.alreadySent, 3)

        // A new expiry date, or a rotated successor (a new generation), is a new notice.
        var moved = edge
        moved.event = .expiry(at: Timestamp.parse("2026-12-01T00:00:00Z")!)
        var successor = soon
        successor.generation = 1
        let again = NoticePlan.make(due: [moved, successor], ledger: ledger, mail: false, webhook: true)
        XCTAssertEqual(again.webhook.map(\.name), ["edge", "soon"])
    }

    func testPeopleMailCannotReachAreReportedAndTheWebhookStillListsTheirKeys() {
        let plan = NoticePlan.make(due: [infra, orphan], ledger: .empty, mail: true, webhook: true)
        XCTAssertEqual(plan.mails.map(\.to.rawValue), ["ops@example.com"])
        XCTAssertEqual(plan.unmailable.map(\.person), ["team-platform"])
        XCTAssertEqual(plan.unmailable.first?.notices.map(\.name), ["infra"])
        XCTAssertEqual(plan.unaddressed.map(\.name), ["orphan"])
        XCTAssertEqual(plan.webhook.map(\.name), ["infra", "orphan"])

        let text = NoticeWebhookMessage(plan.webhook, now: Self.now, within: "7d").text
        XCTAssertTrue(text.contains("platform/infra (\(infra.keyID), \(infra.preview.rawValue)) expires 2026-11-30T23:59:59Z: team-platform, ops@example.com"), text)
        XCTAssertTrue(text.contains("legacy/orphan"), text)
        XCTAssertTrue(text.contains("no owner or contacts"), text)
    }

    func testWebhookTextEscapesSlackControlCharacters() throws {
        let odd = Self.notice("x", owner: "<!channel> & co", seed: 5)
        let message = NoticeWebhookMessage([odd], now: Self.now, within: "7d")
        XCTAssertTrue(message.text.contains("&lt;!channel&gt; &amp; co"), message.text)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any])
        XCTAssertEqual(object["text"] as? String, message.text)
        XCTAssertEqual(object.count, 1)
    }

    func testTheMailHasFixedHeadersAndTheKeysInItsBody() {
        let plan = NoticePlan.make(due: [edge, soon], ledger: .empty, mail: true, webhook: false)
        let mail = NoticeMail(plan.mails[2], from: MailAddress("keysync@example.com")!, now: Self.now, within: "7d")
        XCTAssertEqual(mail.recipients.map(\.rawValue), ["oncall@example.com"])
        XCTAssertEqual(mail.text, """
            From: keysync <keysync@example.com>
            To: <oncall@example.com>
            Subject: keysync: 2 API keys have expired or expire within 7d
            Date: Wed, 25 Nov 2026 12:00:00 +0000
            Auto-Submitted: auto-generated
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            2 API keys have expired or expire within 7d (as of 2026-11-25T12:00:00Z).
            You are the owner or a contact of each:

              - payments/edge (\(edge.keyID), \(edge.preview.rawValue)) expired 2026-11-25T12:00:00Z [contact]
              - payments/soon (\(soon.keyID), \(soon.preview.rawValue)) expires 2026-11-30T23:59:59Z [contact]

            To replace a key, raise its `rotate` in the manifest (or change `expires`) and let the
            pipeline apply it; the new key arrives sealed to the team's recipients.

            -- 
            Sent once per key and expiry by `keysync notify`.

            """)
    }
}
