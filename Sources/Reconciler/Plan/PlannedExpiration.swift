import Foundation
import Manifest

/// The expiry a key will be created with. A period (`expires_in`) counts from the creation,
/// which only apply knows, so the plan carries the period and apply resolves it.
public enum PlannedExpiration: Sendable, Hashable, Codable {
    case at(Date)
    case after(PlannedPeriod)

    public init(_ expiration: Expiration) {
        switch expiration {
        case .at(let date): self = .at(date)
        case .after(let period): self = .after(PlannedPeriod(period))
        }
    }

    /// The instant a key created at `createdAt` expires.
    public func resolve(createdAt: Date) -> Date {
        switch self {
        case .at(let date): date
        case .after(let period): createdAt.addingTimeInterval(TimeInterval(period.seconds))
        }
    }

    enum CodingKeys: String, CodingKey { case at, after }

    /// `{"at": "<timestamp>"}` or `{"after": {"seconds": n, "text": "90d"}}`.
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
            self = .after(try c.decode(PlannedPeriod.self, forKey: .after))
        }
    }
}
