/// Every field of manifest format version 1, in one place. Each fixed-shape mapping has an enum
/// of its fields (`RootField`, `TierField`, `DefaultsField`, `TeamField`, `KeyField`) whose raw
/// values are the YAML names; the decoder reads fields by those enums and `ManifestSchema`
/// renders the groups below as JSON Schema. The bounds below are the ones the decoder checks.
enum ManifestFields {
    /// The manifest format versions this keysync reads.
    static let supportedVersions = 1...1
    /// A key's `rotate` generation.
    static let rotateRange = 0...Int.max
    /// A plan's `max_keys` when it is a number.
    static let maxKeysMinimum = 0

    static let plan = FieldGroup(TierField.self, id: "plan", title: "a plan", rules: [])
    static let defaults = FieldGroup(DefaultsField.self, id: "defaults", title: "defaults for every key",
                                     rules: [.exclusive(DefaultsField.expires, DefaultsField.expiresIn)])
    static let key = FieldGroup(KeyField.self, id: "key", title: "an API key",
                                rules: [.exclusive(KeyField.expires, KeyField.expiresIn)])
    static let team = FieldGroup(TeamField.self, id: "team", title: "a team",
                                 rules: [.requiredWhenNonEmpty(TeamField.recipients, field: TeamField.keys)])
    static let root = FieldGroup(RootField.self, id: "manifest", title: "a keysync manifest (keys.yaml)", rules: [
        // Global settings live in one file of a folder manifest, and that file needs both.
        .requiredTogether([RootField.version, RootField.prefix], whenAnyOf: RootField.globalSettings),
    ])

    /// The `scopes` description for one place (`who` says which keys it applies to).
    static func scopesDescription(_ who: String) -> String {
        "scopes granted to \(who): resource:action, resource:* or *; left out everywhere: every scope; [] grants none"
    }

    /// The `allowed_ips` description for one place.
    static func allowedIPsDescription(_ who: String) -> String {
        "networks \(who) may be used from: IPv4 or IPv6 addresses or CIDR ranges (203.0.113.0/24, 2001:db8::/32); left out: anywhere; [] allows none"
    }

    /// Every fixed-shape group, outermost first.
    static let groups = [root, plan, defaults, team, key]
}

/// The top level of a manifest file.
enum RootField: String, ManifestField {
    case version, prefix, plans, defaults, teams

    /// The settings a folder manifest keeps in one file: everything but `teams`.
    static let globalSettings: [RootField] = [.version, .prefix, .plans, .defaults]
    static let table = FieldTable<Self>()

    var spec: FieldSpec {
        switch self {
        case .version: FieldSpec(.integer(ManifestFields.supportedVersions), "the manifest format version: 1")
        case .prefix:
            FieldSpec(.text(.prefix), "the prefix of every key (keys look like <prefix>_...): 1 to 16 ASCII letters and digits")
        case .plans:
            FieldSpec(.named(.fields(ManifestFields.plan), nullable: true),
                      "the plan table; when present it replaces the built-in one (free, starter, professional, enterprise)")
        case .defaults: FieldSpec(.fields(ManifestFields.defaults), "values every key gets unless it sets its own")
        case .teams:
            FieldSpec(.named(.fields(ManifestFields.team), nullable: false),
                      "teams by name, each with its plan, recipients and keys")
        }
    }
}

/// One plan (tier) of the `plans:` table.
enum TierField: String, ManifestField {
    case apiAccess = "api_access"
    case maxKeys = "max_keys"
    case scopes

    static let table = FieldTable<Self>()

    var spec: FieldSpec {
        switch self {
        case .apiAccess:
            FieldSpec(.boolean, default: .boolean(true), "whether teams on this plan may hold API keys at all")
        case .maxKeys:
            FieldSpec(.integerOrUnlimited(minimum: ManifestFields.maxKeysMinimum), default: .text("unlimited"),
                      "how many keys a team on this plan may hold: an integer of 0 or more, or `unlimited`")
        case .scopes: FieldSpec(.list(.text(.scope)), ManifestFields.scopesDescription("keys of teams on this plan that set no scopes (nor their team)"))
        }
    }
}

/// The `defaults:` mapping.
enum DefaultsField: String, ManifestField {
    case rateLimit = "rate_limit"
    case expires
    case expiresIn = "expires_in"
    case rotateGrace = "rotate_grace"
    case rotateEvery = "rotate_every"

    static let table = FieldTable<Self>()

    var spec: FieldSpec {
        switch self {
        case .rotateEvery:
            FieldSpec(.text(.period),
                      "rotate keys that set no rotate_every once their current key is this old, e.g. 90d")
        case .rateLimit:
            FieldSpec(.integer(KeyDefaults.rateLimitRange), default: .integer(KeyDefaults.builtInRateLimit),
                      "requests per minute for keys that set no rate_limit, 1 to 10000")
        case .expires:
            FieldSpec(.text(.date),
                      "expiry for keys that set neither expires nor expires_in: a date (end of that day, UTC) or an RFC 3339 timestamp")
        case .expiresIn:
            FieldSpec(.text(.period),
                      "expiry as a period from each key's creation, e.g. 90d (units s, m, h, d, w); not together with expires")
        case .rotateGrace:
            FieldSpec(.text(.period), "how long an old key keeps working after a rotation, e.g. 24h")
        }
    }
}

/// One team of the `teams:` mapping.
enum TeamField: String, ManifestField {
    case plan, owner, contacts, recipients, keys, protect, scopes
    case allowedIPs = "allowed_ips"

    static let table = FieldTable<Self>()

    var spec: FieldSpec {
        switch self {
        case .plan: FieldSpec(.text(.any), required: true, "the team's plan, one of the plan table's names")
        case .owner: FieldSpec(.text(.email), "who answers for the team's keys (an email address)")
        case .contacts: FieldSpec(.list(.text(.email)), "email addresses that hear about expiring keys")
        case .recipients:
            FieldSpec(.list(.text(.recipient)),
                      "age X25519 recipients (age1...) new keys are sealed to; required when the team has keys")
        case .keys: FieldSpec(.list(.fields(ManifestFields.key)), "the team's API keys, in the team's order")
        case .protect:
            FieldSpec(.boolean, default: .boolean(false),
                      "true refuses any plan that removes the team (revoking its keys); remove it in its own applied change first")
        case .scopes: FieldSpec(.list(.text(.scope)), ManifestFields.scopesDescription("the team's keys that set no scopes; overrides the plan's"))
        case .allowedIPs: FieldSpec(.list(.text(.ipRange)), ManifestFields.allowedIPsDescription("the team's keys that set no allowed_ips"))
        }
    }
}

/// One entry of a team's `keys:` list.
enum KeyField: String, ManifestField {
    case name, description, owner
    case rateLimit = "rate_limit"
    case expires
    case expiresIn = "expires_in"
    case active
    case renamedFrom = "renamed_from"
    case rotate
    case rotateGrace = "rotate_grace"
    case rotateEvery = "rotate_every"
    case protect
    case scopes
    case allowedIPs = "allowed_ips"

    static let table = FieldTable<Self>()

    var spec: FieldSpec {
        switch self {
        case .rotateEvery:
            FieldSpec(.text(.period),
                      "rotate the key on schedule once its current key is this old, e.g. 90d; defaults.rotate_every when left out")
        case .protect:
            FieldSpec(.boolean, default: .boolean(false),
                      "true refuses any plan that revokes the key; remove it in its own applied change first")
        case .name:
            FieldSpec(.text(.name), required: true,
                      "the key's name, unique in its team: 1 to 63 lowercase letters, digits, '-', '_' or '.'")
        case .description: FieldSpec(.text(.any), "what the key is for, for reviewers and the state file")
        case .owner: FieldSpec(.text(.email), "who answers for this key (an email address); hears about its expiry")
        case .rateLimit:
            FieldSpec(.integer(KeyDefaults.rateLimitRange),
                      "requests per minute, 1 to 10000; defaults.rate_limit (or 60) when left out")
        case .expires:
            FieldSpec(.text(.date),
                      "when the key stops working: a date (end of that day, UTC) or an RFC 3339 timestamp; not together with expires_in")
        case .expiresIn:
            FieldSpec(.text(.period),
                      "expiry as a period from the key's creation, e.g. 90d (units s, m, h, d, w); not together with expires")
        case .active:
            FieldSpec(.boolean, default: .boolean(true), "false deactivates the key without revoking it; true brings it back")
        case .renamedFrom: FieldSpec(.text(.name), "the key's previous name: the same key under a new name")
        case .rotate:
            FieldSpec(.integer(ManifestFields.rotateRange), default: .integer(0),
                      "the key's generation; raise it by one to rotate the key")
        case .rotateGrace: FieldSpec(.text(.period), "how long the old key keeps working after a rotation, e.g. 24h")
        case .scopes: FieldSpec(.list(.text(.scope)), ManifestFields.scopesDescription("this key; overrides its team's and plan's"))
        case .allowedIPs: FieldSpec(.list(.text(.ipRange)), ManifestFields.allowedIPsDescription("this key; overrides its team's"))
        }
    }
}
