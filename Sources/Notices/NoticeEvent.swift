import Foundation

/// Why a key is in a notice: its expiry, or its scheduled rotation (`rotate_every`) coming due.
/// The ledger keys every delivery by kind and instant, so an expiry notice and a rotation notice
/// for one key never stand in for each other.
public enum NoticeEvent: Sendable, Hashable {
    /// The key stops working at this instant (inclusive), or already has.
    case expiry(at: Date)
    /// The key's scheduled rotation comes due at this instant (the next apply after it replaces
    /// the key), or already has.
    case rotationDue(at: Date)

    /// The ledger's name for the event.
    public var kind: String {
        switch self {
        case .expiry: "expiry"
        case .rotationDue: "rotation"
        }
    }

    /// When it happens.
    public var date: Date {
        switch self {
        case .expiry(let at), .rotationDue(let at): at
        }
    }

    /// The event as the ledger writes it, `nil` for a kind this keysync does not know (a newer
    /// keysync's entry: kept, never matched).
    public init?(kind: String, date: Date) {
        switch kind {
        case "expiry": self = .expiry(at: date)
        case "rotation": self = .rotationDue(at: date)
        default: return nil
        }
    }
}
