/// The seams a notice leaves keysync through. The CLI gives the real ones (a sendmail program,
/// an HTTP client); tests give the same real ones pointed at local peers. Whatever fails comes
/// back as a `NoticeSendError` whose reason is safe to print: no webhook URL, no message text.
public protocol MailTransport: Sendable {
    func send(_ mail: NoticeMail) async throws(NoticeSendError)
}

public protocol WebhookTransport: Sendable {
    func post(_ message: NoticeWebhookMessage) async throws(NoticeSendError)
}

public struct NoticeSendError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
