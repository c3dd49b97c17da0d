import Foundation

/// One key as the manifest declares it. Defaults (`defaults:` or the built-in ones) are
/// already applied, so the reconciler never has to know where a value came from.
public struct KeyDeclaration: Sendable, Equatable {
    public var name: Located<String>
    public var description: Located<String>?
    public var owner: Located<String>?
    /// Requests per minute, 1...10_000. Located at the key's own field, or at `defaults`
    /// when inherited, or at the key's entry when the built-in default of 60 applies.
    public var rateLimit: Located<Int>
    public var expiration: Located<Expiration>?
    /// `false` deactivates without revoking.
    public var active: Bool
    /// The key's previous name: a rename keeps the same key material.
    public var renamedFrom: Located<String>?
    /// Generation; raising it asks for a replacement key.
    public var rotate: Int
    /// How long a rotated-out key keeps working; `nil` revokes it at once.
    public var rotateGrace: Located<Period>?
    /// Where the key's entry starts.
    public var location: SourceLocation

    public init(
        name: Located<String>, description: Located<String>? = nil, owner: Located<String>? = nil,
        rateLimit: Located<Int>, expiration: Located<Expiration>? = nil, active: Bool = true,
        renamedFrom: Located<String>? = nil, rotate: Int = 0, rotateGrace: Located<Period>? = nil,
        location: SourceLocation
    ) {
        self.name = name
        self.description = description
        self.owner = owner
        self.rateLimit = rateLimit
        self.expiration = expiration
        self.active = active
        self.renamedFrom = renamedFrom
        self.rotate = rotate
        self.rotateGrace = rotateGrace
        self.location = location
    }
}

/// When a key stops working.
public enum Expiration: Sendable, Equatable, Hashable {
    /// `expires:` — an absolute instant (a bare date means the end of that day, UTC).
    case at(Date)
    /// `expires_in:` — counted from the key's creation, so it resolves only at create time.
    case after(Period)

    /// The instant the key expires for a key created at `createdAt`.
    public func resolve(createdAt: Date) -> Date {
        switch self {
        case .at(let date): return date
        case .after(let period): return createdAt.addingTimeInterval(TimeInterval(period.seconds))
        }
    }
}

/// A span written like `90d`, `12h`, `52w`, `30m`: what people write in reviews, kept with
/// its original text so renderings show what the manifest said.
public struct Period: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var seconds: Int64
    public var text: String

    public init(seconds: Int64, text: String) {
        self.seconds = seconds
        self.text = text
    }

    /// Parses `<digits><unit>` with unit `s`, `m`, `h`, `d` or `w`; `nil` otherwise.
    public init?(parsing text: String) {
        guard let unit = text.last, text.count >= 2 else { return nil }
        let digits = text.dropLast()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits), n > 0
        else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        case "w": scale = 604_800
        default: return nil
        }
        let (product, overflow) = n.multipliedReportingOverflow(by: scale)
        // Bound at ~100 years: anything longer is a typo, and it keeps dates representable.
        guard !overflow, product <= 100 * 366 * 86_400 else { return nil }
        self.init(seconds: product, text: text)
    }

    public var description: String { text }
}

/// Values every key gets unless it says otherwise.
public struct KeyDefaults: Sendable, Equatable {
    public static let builtInRateLimit = 60
    public static let rateLimitRange = 1...10_000

    public var rateLimit: Located<Int>?
    public var expiration: Located<Expiration>?
    public var rotateGrace: Located<Period>?

    public init(
        rateLimit: Located<Int>? = nil, expiration: Located<Expiration>? = nil,
        rotateGrace: Located<Period>? = nil
    ) {
        self.rateLimit = rateLimit
        self.expiration = expiration
        self.rotateGrace = rotateGrace
    }
}
