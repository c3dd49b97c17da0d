import Foundation
import Reconciler

/// One e-mail, ready for the sendmail interface: envelope sender, envelope recipients and the
/// RFC 5322 text (LF line ends, as sendmail reads them locally). Every header value is either
/// fixed text or a `MailAddress`, so nothing from a state file can add a header line; team and
/// key names appear in the body only.
public struct NoticeMail: Sendable, Equatable {
    public var from: MailAddress
    public var recipients: [MailAddress]
    public var text: String

    /// `mail`, from `from`, sent at `now`, for keys due within `within` (its text, e.g. "7d").
    public init(_ mail: NoticePlan.Mail, from: MailAddress, now: Date, within: String) {
        self.from = from
        recipients = [mail.to]
        let headline = NoticeWording.headline(count: mail.items.count, within: within,
                                              rotations: NoticeWording.hasRotations(mail.items.map(\.notice)))
        var body = "\(headline) (as of \(Timestamp.format(now))).\n"
        body += "You are the owner or a contact of each:\n\n"
        for item in mail.items {
            body += "  - \(NoticeWording.line(item.notice)) [\(item.isOwner ? "owner" : "contact")]\n"
        }
        body += "\n\(NoticeWording.advice)\n\n"
        body += "-- \nSent once per key and expiry by `keysync notify`.\n"
        text = """
            From: keysync <\(from)>
            To: <\(mail.to)>
            Subject: keysync: \(headline)
            Date: \(Self.rfc5322Date(now))
            Auto-Submitted: auto-generated
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            \(body)
            """
    }

    /// "Wed, 25 Nov 2026 12:00:00 +0000" (RFC 5322 §3.3), in UTC.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(days[c.weekday! - 1]), \(two(c.day)) \(months[c.month! - 1]) \(c.year!) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
