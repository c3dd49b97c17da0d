import Foundation
import Reconciler

/// The webhook's message: Slack-compatible JSON `{"text": …}` (Mattermost, Rocket.Chat and
/// Discord's `/slack` endpoint read the same), one per run, listing each due key with the
/// people who answer for it. A webhook is a channel, not a person, so it gets one message for
/// everyone rather than one per owner; that is also how an owner who is not a mail address
/// (a chat handle, a team name) hears about their keys.
public struct NoticeWebhookMessage: Sendable, Equatable {
    public var text: String

    public init(_ notices: [DueNotice], now: Date, within: String) {
        var text = "*keysync*: \(Self.escaped(NoticeWording.headline(count: notices.count, within: within))) (as of \(Timestamp.format(now))):\n"
        for notice in notices {
            let people = notice.people
            let who = people.isEmpty ? "no owner or contacts" : people.map(Self.escaped).joined(separator: ", ")
            text += "• \(Self.escaped(NoticeWording.line(notice))): \(who)\n"
        }
        self.text = text
    }

    /// The request body.
    public var body: [UInt8] {
        JSONWriter.write(.object([("text", .string(text))]), layout: .compact)
    }

    /// Slack's three control characters in message text (`&`, `<`, `>`), escaped as it asks, so
    /// a name cannot become a link or a mention.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
