import Foundation

/// One file's content as decoded, before files are merged and cross-file rules run. Fields
/// that were present but invalid stay `nil` (their error is already reported).
struct FileDraft {
    var path: String
    var version: Located<Int>?
    var versionSeen = false
    var prefix: Located<String>?
    var prefixSeen = false
    /// In file order.
    var plans: [PlanDefinition]?
    var defaults: DefaultsDraft?
    /// Where the first global setting (`version`, `prefix`, `plans`, `defaults`) is written.
    var firstGlobal: SourceLocation?
    var teams: [TeamDraft] = []
    /// The parser stopped early (syntax error, hostile input): other rules stay quiet about it.
    var incomplete = false

    init(path: String) { self.path = path }
}

struct DefaultsDraft {
    var rateLimit: Located<Int>?
    var expires: Located<Date>?
    var expiresIn: Located<Period>?
    var rotateGrace: Located<Period>?
}

struct TeamDraft {
    var name: Located<String>
    var plan: Located<String>?
    var planSeen = false
    var owner: Located<String>?
    var contacts: [Located<String>] = []
    var recipients: [Located<String>] = []
    /// `recipients:` was there but not a list (already reported).
    var recipientsMistyped = false
    /// Straight from the file: unset `rateLimit` is 0, unset `expiration`/`rotateGrace` nil,
    /// until the assembler applies `defaults`.
    var keys: [KeyDeclaration] = []
    /// The `keys:` field's own place, where plan-wide problems with the keys point.
    var keysLocation: SourceLocation?

    init(name: Located<String>) { self.name = name }
}

/// The names a mapping of a given kind may hold, matched against raw key bytes.
struct FieldTable: Sendable {
    let names: [String]
    private let bytes: [[UInt8]]

    init(_ names: [String]) {
        self.names = names
        bytes = names.map { Array($0.utf8) }
    }

    func index(of b: UnsafeBufferPointer<UInt8>) -> Int? {
        outer: for (i, candidate) in bytes.enumerated() where candidate.count == b.count {
            for j in 0..<b.count where candidate[j] != b[j] { continue outer }
            return i
        }
        return nil
    }

    static let root = FieldTable(["version", "prefix", "plans", "defaults", "teams"])
    static let plan = FieldTable(["api_access", "max_keys"])
    static let defaults = FieldTable(["rate_limit", "expires", "expires_in", "rotate_grace"])
    static let team = FieldTable(["plan", "owner", "contacts", "recipients", "keys"])
    static let key = FieldTable([
        "name", "description", "owner", "rate_limit", "expires", "expires_in", "active",
        "renamed_from", "rotate", "rotate_grace",
    ])
}
