import Foundation
import Reconciler

/// One run of `keysync notify`: read the ledger, plan, send, record. The clock, the file
/// system and both channels come in from outside, so the whole run is tested against real
/// peers without the CLI and the CLI only parses arguments and prints.
///
/// Ordering: every message is sent first, then the ledger is written once (atomically), holding
/// the deliveries that succeeded and only the subjects still due. A failed send leaves no entry
/// and is retried by the next run; a run killed between a send and the write repeats that send
/// next time. Delivery is at least once: a duplicate is possible, a silently lost notice is not.
public struct NoticeRun: Sendable {
    public var due: [DueNotice]
    public var now: Date
    /// The window as the user wrote it ("7d"), for the messages.
    public var within: String
    public var ledgerPath: String
    public var mail: (transport: any MailTransport, from: MailAddress)?
    public var webhook: (any WebhookTransport)?

    public init(due: [DueNotice], now: Date, within: String, ledgerPath: String,
                mail: (transport: any MailTransport, from: MailAddress)?, webhook: (any WebhookTransport)?) {
        self.due = due
        self.now = now
        self.within = within
        self.ledgerPath = ledgerPath
        self.mail = mail
        self.webhook = webhook
    }

    /// What one delivery came to.
    public struct Outcome: Sendable, Equatable {
        public var destination: NoticeDestination
        public var keys: Int
        /// `nil`: sent.
        public var failure: NoticeSendError?
    }

    public struct Report: Sendable, Equatable {
        public var outcomes: [Outcome]
        /// Whether the ledger file changed.
        public var ledgerWritten: Bool
        public var failures: [Outcome] { outcomes.filter { $0.failure != nil } }
    }

    /// The ledger as it is on disk and the plan it leaves. Throws when the ledger cannot be
    /// read (`StorageError`, `NoticeLedger.FormatError`): nothing may be sent then.
    public func plan(storage: some DurableStorage) throws -> (plan: NoticePlan, ledger: NoticeLedger) {
        let ledger = try NoticeLedger.read(ledgerPath, storage: storage)
        return (NoticePlan.make(due: due, ledger: ledger, mail: mail != nil, webhook: webhook != nil), ledger)
    }

    /// Sends `plan`, then writes what reached its destination into the ledger. Throws only
    /// when the ledger cannot be written; the report says which sends failed.
    public func send(_ plan: NoticePlan, ledger: NoticeLedger, storage: some DurableStorage) async throws(StorageError) -> Report {
        var updated = ledger
        var outcomes: [Outcome] = []
        if let mail {
            for message in plan.mails {
                let destination = NoticeDestination.mail(message.to)
                do {
                    try await mail.transport.send(NoticeMail(message, from: mail.from, now: now, within: within))
                    updated.record(message.items.map(\.notice.subject), to: destination, at: now)
                    outcomes.append(Outcome(destination: destination, keys: message.items.count, failure: nil))
                } catch {
                    outcomes.append(Outcome(destination: destination, keys: message.items.count, failure: error))
                }
            }
        }
        if let webhook {
            for part in NoticeWebhookMessage.parts(plan.webhook, now: now, within: within) {
                do {
                    try await webhook.post(part.message)
                    updated.record(part.notices.map(\.subject), to: .webhook, at: now)
                    outcomes.append(Outcome(destination: .webhook, keys: part.notices.count, failure: nil))
                } catch {
                    outcomes.append(Outcome(destination: .webhook, keys: part.notices.count, failure: error))
                }
            }
        }
        updated = updated.pruned(keeping: Set(due.map(\.subject)))
        guard updated != ledger else { return Report(outcomes: outcomes, ledgerWritten: false) }
        try updated.write(to: ledgerPath, storage: storage)
        return Report(outcomes: outcomes, ledgerWritten: true)
    }
}
