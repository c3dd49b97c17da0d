import Foundation
import Reconciler

/// The webhook's message: Slack-compatible JSON `{"text": …}` (Mattermost, Rocket.Chat and
/// Discord's `/slack` endpoint read the same), listing each due key with the people who answer
/// for it. A webhook is a channel, not a person, so it gets one message for everyone rather than
/// one per owner; that is also how an owner who is not a mail address (a chat handle, a team
/// name) hears about their keys. Past `maximumKeys` keys the run posts several parts.
public struct NoticeWebhookMessage: Sendable, Equatable {
    /// Slack cuts a message's text at 40,000 characters; a key's line is about 150, so a part
    /// holds at most this many keys and stays well under the cut.
    public static let maximumKeys = 100

    public var text: String

    /// The message listing `notices` (of `total` due in all, as part `part` when split).
    public init(_ notices: [DueNotice], now: Date, within: String, total: Int? = nil, part: (index: Int, count: Int)? = nil) {
        let headline = Self.escaped(NoticeWording.headline(count: total ?? notices.count, within: within,
                                                           rotations: NoticeWording.hasRotations(notices)))
        let which = part.map { ", part \($0.index) of \($0.count)" } ?? ""
        var text = "*keysync*: \(headline) (as of \(Timestamp.format(now)))\(which):\n"
        for notice in notices {
            let people = notice.people
            let who = people.isEmpty ? "no owner or contacts" : people.map(Self.escaped).joined(separator: ", ")
            text += "• \(Self.escaped(NoticeWording.line(notice))): \(who)\n"
        }
        self.text = text
    }

    /// The messages a run posts for `notices`: one, or parts of at most `maximumKeys` keys, each
    /// with the keys it lists (recorded in the ledger when that part is accepted).
    public static func parts(_ notices: [DueNotice], now: Date, within: String) -> [(message: NoticeWebhookMessage, notices: [DueNotice])] {
        let chunks = stride(from: 0, to: notices.count, by: maximumKeys).map {
            Array(notices[$0..<min($0 + maximumKeys, notices.count)])
        }
        return chunks.enumerated().map { index, chunk in
            (NoticeWebhookMessage(chunk, now: now, within: within, total: notices.count,
                                  part: chunks.count > 1 ? (index + 1, chunks.count) : nil), chunk)
        }
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
