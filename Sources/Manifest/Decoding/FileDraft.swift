import AgeFormat
import KeysyncCore
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
    var plans: [Tier]?
    var defaults: KeyDefaults?
    /// Where the first global setting (`version`, `prefix`, `plans`, `defaults`) is written.
    var firstGlobal: SourceLocation?
    var teams: [TeamDraft] = []
    /// The parser stopped early (syntax error, hostile input): other rules stay quiet about it.
    var incomplete = false

    init(path: String) { self.path = path }
}

struct TeamDraft {
    var name: Located<String>
    var plan: Located<String>?
    var planSeen = false
    var owner: Located<String>?
    var contacts: [Located<String>] = []
    var recipients: [Located<String>] = []
    /// The valid ones among `recipients`, parsed (the manifest is refused unless all are).
    var parsedRecipients: [Located<AgeRecipient>] = []
    /// `recipients:` was there but not a list (already reported).
    var recipientsMistyped = false
    /// Straight from the file: unset `rateLimit` is 0, unset `expiration`/`rotateGrace` nil,
    /// until the assembler applies `defaults`.
    var keys: [KeyDeclaration] = []
    /// The `keys:` field's own place, where plan-wide problems with the keys point.
    var keysLocation: SourceLocation?
    var protect = false
    var scopes: Located<[Scope]>?
    var allowedIPs: Located<[IPAddressRange]>?

    init(name: Located<String>) { self.name = name }
}
