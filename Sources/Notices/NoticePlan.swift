/// What one run of `keysync notify` will send, worked out before anything is sent: one message
/// per person (their due keys not yet mailed to them) and one webhook message (the due keys
/// not yet posted), plus who cannot be reached. `--dry-run` prints it; a real run sends it.
public struct NoticePlan: Sendable, Equatable {
    /// One person's message.
    public struct Mail: Sendable, Equatable {
        public var to: MailAddress
        public var items: [Item]
    }

    /// A key in a person's message, and why they hear about it.
    public struct Item: Sendable, Equatable {
        public var notice: DueNotice
        /// The key's owner (or its team's), rather than only one of the team's contacts.
        public var isOwner: Bool
    }

    /// Someone named as owner or contact whose name is not a mail address: they get no mail.
    /// The webhook message still names them, when there is a webhook.
    public struct Unmailable: Sendable, Equatable {
        public var person: String
        public var notices: [DueNotice]
    }

    /// Messages by address.
    public var mails: [Mail] = []
    /// The webhook's message, soonest first; empty when there is no webhook or nothing new.
    public var webhook: [DueNotice] = []
    /// People mail cannot reach (only when mail is on), by name.
    public var unmailable: [Unmailable] = []
    /// Due keys with neither owner nor contacts: nobody to mail.
    public var unaddressed: [DueNotice] = []
    /// Deliveries the ledger says were made on an earlier run, skipped now.
    public var alreadySent = 0

    public var isEmpty: Bool { mails.isEmpty && webhook.isEmpty }

    /// Which deliveries `due` still needs, given what `ledger` says went out. `mail` and
    /// `webhook` say which channels this run has.
    public static func make(due: [DueNotice], ledger: NoticeLedger, mail: Bool, webhook: Bool) -> NoticePlan {
        var plan = NoticePlan()
        var byAddress: [MailAddress: [Item]] = [:]
        var unmailable: [String: [DueNotice]] = [:]
        for notice in due {
            if webhook {
                if ledger.hasSent(notice.subject, to: .webhook) { plan.alreadySent += 1 } else { plan.webhook.append(notice) }
            }
            guard mail else { continue }
            let people = notice.people
            if people.isEmpty { plan.unaddressed.append(notice) }
            for person in people {
                guard let address = MailAddress(person) else {
                    unmailable[person, default: []].append(notice)
                    continue
                }
                if ledger.hasSent(notice.subject, to: .mail(address)) {
                    plan.alreadySent += 1
                } else {
                    byAddress[address, default: []].append(Item(notice: notice, isOwner: person == notice.owner))
                }
            }
        }
        plan.mails = byAddress.keys.sorted().map { Mail(to: $0, items: byAddress[$0]!) }
        plan.unmailable = unmailable.keys.sorted().map { Unmailable(person: $0, notices: unmailable[$0]!) }
        return plan
    }
}
