import Foundation
import Reconciler

/// The words every notice shares, so mail, webhook and `--dry-run` say the same thing.
enum NoticeWording {
    /// "payments/edge (key_…, thig_G1x2...7kPm) expired 2026-11-25T12:00:00Z".
    static func line(_ notice: DueNotice) -> String {
        let when = Timestamp.format(notice.event.date)
        let what: String
        switch notice.event {
        case .expiry: what = notice.isPast ? "expired \(when)" : "expires \(when)"
        }
        return "\(notice.team)/\(notice.name) (\(notice.keyID), \(notice.preview.rawValue)) \(what)"
    }

    /// "2 API keys have expired or expire within 7d"; "1 API key has expired or expires within 7d".
    static func headline(count: Int, within: String) -> String {
        count == 1 ? "1 API key has expired or expires within \(within)"
            : "\(count) API keys have expired or expire within \(within)"
    }

    static let advice = """
        To replace a key, raise its `rotate` in the manifest (or change `expires`) and let the
        pipeline apply it; the new key arrives sealed to the team's recipients.
        """
}
