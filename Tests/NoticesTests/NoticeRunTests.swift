import Foundation
import Notices
import Reconciler
import XCTest

/// The run's bookkeeping through its seams: only deliveries that succeeded are recorded, so a
/// failed one (and only it) is sent again by the next run; a failed webhook post likewise.
final class NoticeRunTests: XCTestCase {
    /// A mail seam that refuses the addresses it is told to, and remembers what it accepted.
    final class Mailbox: MailTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var refusing: Set<String>
        private(set) var delivered: [String] = []

        init(refusing: Set<String>) { self.refusing = refusing }

        func heal() { lock.withLock { refusing = [] } }

        func send(_ mail: NoticeMail) async throws(NoticeSendError) {
            let to = mail.recipients.map(\.rawValue).joined(separator: ",")
            let refused = lock.withLock { refusing.contains(to) }
            if refused { throw NoticeSendError("refused by the test relay") }
            lock.withLock { delivered.append(to) }
        }
    }

    func testOnlyWhatFailedIsSentAgain() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("notice-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledgerPath = dir.appendingPathComponent("keysync.notices.json").path
        let due = [
            NoticePlanTests.notice("edge", owner: "lead@example.com", contacts: ["oncall@example.com"], seed: 1),
            NoticePlanTests.notice("soon", owner: "carol@example.com", seed: 2),
        ]
        let mailbox = Mailbox(refusing: ["oncall@example.com"])
        let run = NoticeRun(due: due, now: NoticePlanTests.now, within: "7d", ledgerPath: ledgerPath,
                            mail: (transport: mailbox, from: MailAddress("keysync@example.com")!), webhook: nil)
        let storage = FileSystemStorage()

        let first = try run.plan(storage: storage)
        XCTAssertEqual(first.plan.mails.count, 3)
        let report = try await run.send(first.plan, ledger: first.ledger, storage: storage)
        XCTAssertEqual(report.failures.map(\.destination), [.mail(MailAddress("oncall@example.com")!)])
        XCTAssertTrue(report.ledgerWritten)
        XCTAssertEqual(mailbox.delivered, ["carol@example.com", "lead@example.com"])

        mailbox.heal()
        let second = try run.plan(storage: storage)
        XCTAssertEqual(second.plan.mails.map(\.to.rawValue), ["oncall@example.com"], "only the failed mail is retried")
        XCTAssertEqual(second.plan.alreadySent, 2)
        let retried = try await run.send(second.plan, ledger: second.ledger, storage: storage)
        XCTAssertEqual(retried.failures, [])
        XCTAssertEqual(mailbox.delivered, ["carol@example.com", "lead@example.com", "oncall@example.com"])

        let third = try run.plan(storage: storage)
        XCTAssertTrue(third.plan.isEmpty)
        let idle = try await run.send(third.plan, ledger: third.ledger, storage: storage)
        XCTAssertEqual(idle.outcomes, [], "nothing sent")
        XCTAssertFalse(idle.ledgerWritten, "nothing rewritten")

        // The key is rotated away: its entries leave the ledger on the next write.
        let later = NoticeRun(due: [due[1]], now: NoticePlanTests.now, within: "7d", ledgerPath: ledgerPath,
                              mail: (transport: mailbox, from: MailAddress("keysync@example.com")!), webhook: nil)
        let pruned = try later.plan(storage: storage)
        _ = try await later.send(pruned.plan, ledger: pruned.ledger, storage: storage)
        let ledger = try NoticeLedger.read(ledgerPath, storage: storage)
        XCTAssertEqual(ledger.sent.count, 1)
        XCTAssertTrue(ledger.hasSent(due[1].subject, to: .mail(MailAddress("carol@example.com")!)))
    }

    /// A webhook seam that keeps what was posted.
    final class Channel: WebhookTransport, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var posted: [String] = []

        func post(_ message: NoticeWebhookMessage) async throws(NoticeSendError) {
            lock.withLock { posted.append(message.text) }
        }
    }

    func testManyKeysArePostedInPartsSlackDoesNotCut() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("notice-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let due = (0..<230).map { NoticePlanTests.notice("key-\($0)", owner: "lead@example.com", seed: UInt64(100 + $0)) }
        let channel = Channel()
        let run = NoticeRun(due: due, now: NoticePlanTests.now, within: "7d",
                            ledgerPath: dir.appendingPathComponent("keysync.notices.json").path, mail: nil, webhook: channel)
        let planned = try run.plan(storage: FileSystemStorage())
        let report = try await run.send(planned.plan, ledger: planned.ledger, storage: FileSystemStorage())
        XCTAssertEqual(report.outcomes.map(\.keys), [100, 100, 30])
        XCTAssertEqual(channel.posted.count, 3)
        for (index, text) in channel.posted.enumerated() {
            XCTAssertTrue(text.hasPrefix("*keysync*: 230 API keys have expired or expire within 7d (as of 2026-11-25T12:00:00Z), part \(index + 1) of 3:\n"), text)
            XCTAssertLessThan(text.count, 40_000)
        }
        XCTAssertEqual(channel.posted.map { $0.components(separatedBy: "\n• ").count - 1 }, [100, 100, 30])
        XCTAssertTrue(try run.plan(storage: FileSystemStorage()).plan.isEmpty, "every part is recorded")
    }

    func testALedgerBehindASymbolicLinkIsRefusedBeforeAnythingIsSent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("notice-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("elsewhere.json")
        try Data(NoticeLedger.empty.encoded()).write(to: target)
        let ledgerPath = dir.appendingPathComponent("keysync.notices.json").path
        try FileManager.default.createSymbolicLink(atPath: ledgerPath, withDestinationPath: target.path)
        XCTAssertThrowsError(try NoticeLedger.read(ledgerPath, storage: FileSystemStorage()))
        XCTAssertThrowsError(try NoticeLedger.empty.write(to: ledgerPath, storage: FileSystemStorage()))
    }
}
