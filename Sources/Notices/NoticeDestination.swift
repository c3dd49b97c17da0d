/// Where a notice went: one person's mailbox, or the webhook (one channel for the whole run).
/// Written in the ledger as `mail:<address>` or `webhook`.
public enum NoticeDestination: Sendable, Hashable, Comparable, CustomStringConvertible {
    case mail(MailAddress)
    case webhook

    public var description: String {
        switch self {
        case .mail(let address): "mail:\(address)"
        case .webhook: "webhook"
        }
    }

    public init?(_ text: String) {
        if text == "webhook" {
            self = .webhook
        } else if text.hasPrefix("mail:"), let address = MailAddress(String(text.dropFirst(5))) {
            self = .mail(address)
        } else {
            return nil
        }
    }

    public static func < (a: NoticeDestination, b: NoticeDestination) -> Bool { a.description < b.description }
}
