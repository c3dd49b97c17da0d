import Foundation

/// Why a key is in a notice. Only expiry exists today. A scheduled rotation coming due is the
/// second case when rotation schedules land: add `case rotationDue(at:)`, give it a `kind`
/// (`"rotation"`), and find those keys in `DueNotice.due`. The ledger already keys every
/// delivery by kind and instant, so an expiry notice and a rotation notice for one key never
/// stand in for each other.
public enum NoticeEvent: Sendable, Hashable {
    /// The key stops working at this instant (inclusive), or already has.
    case expiry(at: Date)

    /// The ledger's name for the event.
    public var kind: String {
        switch self {
        case .expiry: "expiry"
        }
    }

    /// When it happens.
    public var date: Date {
        switch self {
        case .expiry(let at): at
        }
    }

    /// The event as the ledger writes it, `nil` for a kind this keysync does not know (a newer
    /// keysync's entry: kept, never matched).
    public init?(kind: String, date: Date) {
        switch kind {
        case "expiry": self = .expiry(at: date)
        default: return nil
        }
    }
}
