import Foundation

/// The plaintext inside a sealed file: what a team reads after `keysync unseal` (or `age -d`).
/// Canonical JSON (keys sorted, two-space indent), version 1:
///
/// ```json
/// {
///   "created_at": "2026-11-25T12:00:00Z",
///   "format": "keysync-sealed-keys",
///   "keys": [
///     { "expires_at": "2027-03-01T23:59:59Z", "id": "key_…", "key": "thig_…",
///       "name": "checkout-api", "rate_limit": 600, "team": "payments" }
///   ],
///   "serial": 1,
///   "team": "payments",
///   "version": 1
/// }
/// ```
///
/// `keys` is sorted by name, then id; `expires_at` is `null` for a key that never expires.
/// This document is the only place a raw key is ever written, and only in encrypted form.
public struct SealedKeyDocument: Sendable, Equatable, Codable {
    /// The `format` marker, so a reader can tell this document from any other age payload.
    public static let formatMarker = "keysync-sealed-keys"
    public static let currentVersion = 1

    public struct Entry: Sendable, Equatable, Codable {
        public var team: String
        public var name: String
        public var id: KeyID
        /// The raw key: `<prefix>_<body><checksum>`.
        public var key: String
        public var expiresAt: Date?
        public var rateLimit: Int

        public init(team: String, name: String, id: KeyID, key: String, expiresAt: Date?, rateLimit: Int) {
            self.team = team
            self.name = name
            self.id = id
            self.key = key
            self.expiresAt = expiresAt
            self.rateLimit = rateLimit
        }

        enum CodingKeys: String, CodingKey {
            case team, name, id, key, expiresAt = "expires_at", rateLimit = "rate_limit"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(team, forKey: .team)
            try c.encode(name, forKey: .name)
            try c.encode(id, forKey: .id)
            try c.encode(key, forKey: .key)
            try c.encode(expiresAt, forKey: .expiresAt)  // explicit null: "never expires"
            try c.encode(rateLimit, forKey: .rateLimit)
        }
    }

    public var format: String
    public var version: Int
    public var team: String
    /// The state serial of the apply that made it (also the file name's number).
    public var serial: Int
    public var createdAt: Date
    public var keys: [Entry]

    public init(team: String, serial: Int, createdAt: Date, keys: [Entry]) {
        self.format = Self.formatMarker
        self.version = Self.currentVersion
        self.team = team
        self.serial = serial
        self.createdAt = createdAt
        self.keys = keys.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    enum CodingKeys: String, CodingKey {
        case format, version, team, serial, createdAt = "created_at", keys
    }

    /// The plaintext bytes (canonical JSON).
    public func encoded() -> [UInt8] {
        do {
            return Array(try CanonicalJSON.encode(self))
        } catch {
            preconditionFailure("a sealed document always encodes: \(error)")
        }
    }

    /// Reads a plaintext made by `encoded()`; `nil` for anything else (another format or version).
    public static func decode(_ bytes: [UInt8]) -> SealedKeyDocument? {
        guard let document = try? CanonicalJSON.decoder().decode(SealedKeyDocument.self, from: Data(bytes)),
              document.format == formatMarker, document.version == currentVersion
        else { return nil }
        return document
    }
}
