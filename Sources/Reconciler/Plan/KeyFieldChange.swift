import Foundation

/// One field of a key going from `old` to `new`. For an update, rename, (de)activation, apply
/// sets exactly these on the record named by the change's `keyID`; for a rotation they describe
/// how the replacement differs from the key it replaces (the replacement itself is `NewKey`).
public enum KeyFieldChange: Sendable, Hashable, Codable {
    case name(old: String, new: String)
    case description(old: String?, new: String?)
    case owner(old: String?, new: String?)
    case rateLimit(old: Int, new: Int)
    /// `nil`: never expires.
    case expiresAt(old: Date?, new: Date?)
    case status(old: KeyStatus, new: KeyStatus)
    case generation(old: Int, new: Int)
    /// `nil`: unrestricted.
    case scopes(old: [Scope]?, new: [Scope]?)
    /// `nil`: anywhere.
    case allowedIPs(old: [IPAddressRange]?, new: [IPAddressRange]?)
    /// When the current generation is due for its scheduled rotation (`rotate_every`); `nil`: no schedule.
    case rotateDueAt(old: Date?, new: Date?)
    /// `protect` as apply records it.
    case protected(old: Bool, new: Bool)

    /// The state's field name: `name`, `description`, `owner`, `rate_limit`, `scopes`,
    /// `allowed_ips`, `expires_at`, `status`, `generation`, `rotate_due_at`, `protected`.
    /// Changes are listed in that order.
    public var field: String {
        switch self {
        case .name: "name"
        case .description: "description"
        case .owner: "owner"
        case .rateLimit: "rate_limit"
        case .expiresAt: "expires_at"
        case .status: "status"
        case .generation: "generation"
        case .scopes: "scopes"
        case .allowedIPs: "allowed_ips"
        case .rotateDueAt: "rotate_due_at"
        case .protected: "protected"
        }
    }

    static let fieldOrder = ["name", "description", "owner", "rate_limit", "scopes", "allowed_ips", "expires_at", "status",
                             "generation", "rotate_due_at", "protected"]

    var rank: Int { Self.fieldOrder.firstIndex(of: field)! }

    enum CodingKeys: String, CodingKey { case field, old, new }

    /// `{"field": "rate_limit", "old": 60, "new": 600}`; the JSON type of `old`/`new` follows the field.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(field, forKey: .field)
        switch self {
        case .name(let o, let n): try c.encode(o, forKey: .old); try c.encode(n, forKey: .new)
        case .description(let o, let n), .owner(let o, let n):
            try c.encode(o, forKey: .old); try c.encode(n, forKey: .new)
        case .rateLimit(let o, let n), .generation(let o, let n):
            try c.encode(o, forKey: .old); try c.encode(n, forKey: .new)
        case .expiresAt(let o, let n), .rotateDueAt(let o, let n): try c.encode(o, forKey: .old); try c.encode(n, forKey: .new)
        case .protected(let o, let n): try c.encode(o, forKey: .old); try c.encode(n, forKey: .new)
        case .status(let o, let n): try c.encode(o, forKey: .old); try c.encode(n, forKey: .new)
        case .scopes(let o, let n): try c.encode(o, forKey: .old); try c.encode(n, forKey: .new)
        case .allowedIPs(let o, let n): try c.encode(o, forKey: .old); try c.encode(n, forKey: .new)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let field = try c.decode(String.self, forKey: .field)
        switch field {
        case "name":
            self = .name(old: try c.decode(String.self, forKey: .old), new: try c.decode(String.self, forKey: .new))
        case "description":
            self = .description(old: try c.decodeIfPresent(String.self, forKey: .old),
                                new: try c.decodeIfPresent(String.self, forKey: .new))
        case "owner":
            self = .owner(old: try c.decodeIfPresent(String.self, forKey: .old),
                          new: try c.decodeIfPresent(String.self, forKey: .new))
        case "rate_limit":
            self = .rateLimit(old: try c.decode(Int.self, forKey: .old), new: try c.decode(Int.self, forKey: .new))
        case "expires_at":
            self = .expiresAt(old: try c.decodeIfPresent(Date.self, forKey: .old),
                              new: try c.decodeIfPresent(Date.self, forKey: .new))
        case "status":
            self = .status(old: try c.decode(KeyStatus.self, forKey: .old), new: try c.decode(KeyStatus.self, forKey: .new))
        case "generation":
            self = .generation(old: try c.decode(Int.self, forKey: .old), new: try c.decode(Int.self, forKey: .new))
        case "rotate_due_at":
            self = .rotateDueAt(old: try c.decodeIfPresent(Date.self, forKey: .old),
                                new: try c.decodeIfPresent(Date.self, forKey: .new))
        case "protected":
            self = .protected(old: try c.decode(Bool.self, forKey: .old), new: try c.decode(Bool.self, forKey: .new))
        case "scopes":
            self = .scopes(old: try c.decodeIfPresent([Scope].self, forKey: .old),
                           new: try c.decodeIfPresent([Scope].self, forKey: .new))
        case "allowed_ips":
            self = .allowedIPs(old: try c.decodeIfPresent([IPAddressRange].self, forKey: .old),
                               new: try c.decodeIfPresent([IPAddressRange].self, forKey: .new))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .field, in: c, debugDescription: "unknown key field \"\(field)\"")
        }
    }
}
