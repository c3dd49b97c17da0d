import Notices
import Reconciler

/// What `keysync notify` prints: the warnings about people no mail reaches, the messages of a
/// dry run, and the outcome of a real one. No raw key can appear: notices carry only id, team,
/// name, preview and expiry.
enum NotifyText {
    static func name(_ destination: NoticeDestination) -> String {
        switch destination {
        case .mail(let address): "mail to \(address)"
        case .webhook: "the webhook message"
        }
    }

    static func keys(_ count: Int) -> String { count == 1 ? "1 key" : "\(count) keys" }

    static func warnings(_ plan: NoticePlan, webhook: Bool) -> [Diagnostic] {
        let reach = webhook ? "the webhook message names them" : "no webhook is configured, so they are not told"
        return plan.unmailable.map { person in
            let keys = person.notices.map { "\($0.team)/\($0.name)" }.joined(separator: ", ")
            return .warning(.noticeNotMailable, "\"\(person.person)\" (owner or contact of \(keys)) is not a mail address: no mail; \(reach)",
                            hint: "make owner and contacts mail addresses in the manifest", at: nil)
        } + plan.unaddressed.map { notice in
            .warning(.noticeUnaddressed, "\(notice.team)/\(notice.name) has no owner or contacts: nobody to mail\(webhook ? "; the webhook message lists it" : "")",
                     hint: "give the key or its team an owner", at: nil)
        }
    }

    static func dryRun(_ plan: NoticePlan, run: NoticeRun) -> String {
        var out = "dry run: nothing is sent and \(run.ledgerPath) is not written\n"
        if plan.isEmpty { out += nothing(plan, due: run.due.count, within: run.within) }
        if let mail = run.mail {
            for message in plan.mails {
                out += "\n--- mail to \(message.to) (\(keys(message.items.count))) ---\n"
                out += NoticeMail(message, from: mail.from, now: run.now, within: run.within).text
            }
        }
        for part in NoticeWebhookMessage.parts(plan.webhook, now: run.now, within: run.within) {
            out += "\n--- webhook message (\(keys(part.notices.count))) ---\n"
            out += String(decoding: part.message.body, as: UTF8.self) + "\n"
        }
        return out
    }

    static func report(_ report: NoticeRun.Report, plan: NoticePlan, due: Int, within: String, ledgerPath: String) -> String {
        guard !report.outcomes.isEmpty else { return nothing(plan, due: due, within: within) }
        var out = ""
        for outcome in report.outcomes where outcome.failure == nil {
            out += "sent \(name(outcome.destination)): \(keys(outcome.keys))\n"
        }
        if report.ledgerWritten { out += "recorded in \(ledgerPath) (commit it)\n" }
        return out
    }

    static func nothing(_ plan: NoticePlan, due: Int, within: String) -> String {
        if due == 0 { return "nothing to send: no keys have expired or expire within \(within)\n" }
        if plan.unmailable.isEmpty && plan.unaddressed.isEmpty {
            return "nothing to send: \(keys(due)) due, every notice was sent on an earlier run\n"
        }
        return "nothing to send: \(keys(due)) due, but no one left to tell can be reached (see the warnings)\n"
    }
}
