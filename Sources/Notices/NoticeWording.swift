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
        case .rotationDue:
            what = notice.isPast ? "is due for its scheduled rotation since \(when)" : "is rotated on schedule after \(when)"
        }
        return "\(notice.team)/\(notice.name) (\(notice.keyID), \(notice.preview.rawValue)) \(what)"
    }

    /// "2 API keys have expired or expire within 7d"; "1 API key has expired or expires within 7d";
    /// with `rotations` (some keys are listed for a scheduled rotation), "… or are rotated on schedule …".
    static func headline(count: Int, within: String, rotations: Bool = false) -> String {
        if rotations {
            return count == 1 ? "1 API key has expired, expires or is rotated on schedule within \(within)"
                : "\(count) API keys have expired, expire or are rotated on schedule within \(within)"
        }
        return count == 1 ? "1 API key has expired or expires within \(within)"
            : "\(count) API keys have expired or expire within \(within)"
    }

    /// Whether any of `notices` is about a scheduled rotation.
    static func hasRotations(_ notices: [DueNotice]) -> Bool {
        notices.contains { if case .rotationDue = $0.event { true } else { false } }
    }

    static let advice = """
        To replace a key, raise its `rotate` in the manifest (or change `expires`) and let the
        pipeline apply it; the new key arrives sealed to the team's recipients.
        """
}
