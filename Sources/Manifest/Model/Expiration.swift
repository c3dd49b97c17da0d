import Foundation

/// When a key stops working, as the manifest says it: the one expiry type from the manifest's
/// `expires`/`expires_in` through the plan (`NewKey`) to apply, which resolves it.
public enum Expiration: Sendable, Hashable, Codable {
    /// `expires:` — an absolute instant (a bare date means the end of that day, UTC).
    case at(Date)
    /// `expires_in:` — counted from the key's creation, so it resolves only when the key is
    /// created; the plan carries the period and apply resolves it against its own clock.
    case after(Period)

    /// The instant a key created at `createdAt` expires.
    public func resolve(createdAt: Date) -> Date {
        switch self {
        case .at(let date): date
        case .after(let period): createdAt.addingTimeInterval(TimeInterval(period.seconds))
        }
    }

    enum CodingKeys: String, CodingKey { case at, after }

    /// `{"at": "<timestamp>"}` or `{"after": {"seconds": n, "text": "90d"}}`, as saved plans hold it.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .at(let date): try c.encode(date, forKey: .at)
        case .after(let period): try c.encode(period, forKey: .after)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let date = try c.decodeIfPresent(Date.self, forKey: .at) {
            self = .at(date)
        } else {
            self = .after(try c.decode(Period.self, forKey: .after))
        }
    }
}
