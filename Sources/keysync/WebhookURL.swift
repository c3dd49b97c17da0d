import Foundation

/// The webhook's URL, a secret (a Slack incoming-webhook URL is the credential to post to the
/// channel). It comes from a file or the environment, never from argv (which `ps` shows to
/// every user), and no message keysync prints contains it: errors name where it came from.
struct WebhookURL: Sendable {
    let url: URL
    /// "--webhook-url-file FILE" or "$KEYSYNC_WEBHOOK_URL": how messages refer to it.
    let origin: String

    /// The URL from `file` when given, else from the environment variable; `nil` when neither
    /// is set (an empty variable counts as unset, as an unset CI secret gives).
    static func load(file: String?, environment: [String: String]) throws(CommandFailure) -> WebhookURL? {
        let text: String
        let origin: String
        if let file {
            origin = "the webhook URL file \(file)"
            guard let data = FileManager.default.contents(atPath: file) else {
                throw failure("cannot read \(origin)")
            }
            text = String(decoding: data, as: UTF8.self)
        } else if let value = environment[NotifyCommand.webhookVariable], !value.isEmpty {
            origin = "$\(NotifyCommand.webhookVariable)"
            text = value
        } else {
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
              !trimmed.contains(where: \.isWhitespace)
        else {
            throw failure("\(origin) does not hold a URL")
        }
        // Plain http would send the secret URL and the notice in the clear; only a receiver on
        // this machine may have it.
        let loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw failure("the URL in \(origin) must be https (plain http only to a loopback address)")
        }
        return WebhookURL(url: url, origin: origin)
    }

    private static func failure(_ message: String) -> CommandFailure {
        CommandFailure(.error(.noticeWebhookURL, message, hint: "the URL itself is never printed", at: nil),
                       summary: "notify failed: nothing was sent")
    }

    /// `text` with every appearance of the URL (whole, or its path and query) replaced, for
    /// error messages that came from the HTTP client.
    func redacting(_ text: String) -> String {
        var text = text.replacingOccurrences(of: url.absoluteString, with: "<webhook URL>")
        for secret in [url.path, url.query ?? ""] where secret.count > 1 {
            text = text.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return text
    }
}
