/// Every field of manifest format version 1, in one place. The decoder's field tables are built
/// from these groups (their order is the decoder's field index) and `ManifestSchema` renders
/// them as JSON Schema; the bounds below are the ones the decoder checks.
enum ManifestFields {
    /// The manifest format versions this keysync reads.
    static let supportedVersions = 1...1
    /// A key's `rotate` generation.
    static let rotateRange = 0...Int.max
    /// A plan's `max_keys` when it is a number.
    static let maxKeysMinimum = 0

    static let plan = FieldGroup(id: "plan", title: "a plan", fields: [
        FieldSpec("api_access", .boolean, default: .boolean(true),
                  "whether teams on this plan may hold API keys at all"),
        FieldSpec("max_keys", .integerOrUnlimited(minimum: maxKeysMinimum), default: .text("unlimited"),
                  "how many keys a team on this plan may hold: an integer of 0 or more, or `unlimited`"),
    ], rules: [])

    static let defaults = FieldGroup(id: "defaults", title: "defaults for every key", fields: [
        FieldSpec("rate_limit", .integer(KeyDefaults.rateLimitRange), default: .integer(KeyDefaults.builtInRateLimit),
                  "requests per minute for keys that set no rate_limit, 1 to 10000"),
        FieldSpec("expires", .text(.date),
                  "expiry for keys that set neither expires nor expires_in: a date (end of that day, UTC) or an RFC 3339 timestamp"),
        FieldSpec("expires_in", .text(.period),
                  "expiry as a period from each key's creation, e.g. 90d (units s, m, h, d, w); not together with expires"),
        FieldSpec("rotate_grace", .text(.period),
                  "how long an old key keeps working after a rotation, e.g. 24h"),
    ], rules: [.exclusive("expires", "expires_in")])

    static let key = FieldGroup(id: "key", title: "an API key", fields: [
        FieldSpec("name", .text(.name), required: true,
                  "the key's name, unique in its team: 1 to 63 lowercase letters, digits, '-', '_' or '.'"),
        FieldSpec("description", .text(.any), "what the key is for, for reviewers and the state file"),
        FieldSpec("owner", .text(.email), "who answers for this key (an email address); hears about its expiry"),
        FieldSpec("rate_limit", .integer(KeyDefaults.rateLimitRange),
                  "requests per minute, 1 to 10000; defaults.rate_limit (or 60) when left out"),
        FieldSpec("expires", .text(.date),
                  "when the key stops working: a date (end of that day, UTC) or an RFC 3339 timestamp; not together with expires_in"),
        FieldSpec("expires_in", .text(.period),
                  "expiry as a period from the key's creation, e.g. 90d (units s, m, h, d, w); not together with expires"),
        FieldSpec("active", .boolean, default: .boolean(true),
                  "false deactivates the key without revoking it; true brings it back"),
        FieldSpec("renamed_from", .text(.name), "the key's previous name: the same key under a new name"),
        FieldSpec("rotate", .integer(rotateRange), default: .integer(0),
                  "the key's generation; raise it by one to rotate the key"),
        FieldSpec("rotate_grace", .text(.period),
                  "how long the old key keeps working after a rotation, e.g. 24h"),
    ], rules: [.exclusive("expires", "expires_in")])

    static let team = FieldGroup(id: "team", title: "a team", fields: [
        FieldSpec("plan", .text(.any), required: true, "the team's plan, one of the plan table's names"),
        FieldSpec("owner", .text(.email), "who answers for the team's keys (an email address)"),
        FieldSpec("contacts", .list(.text(.email)), "email addresses that hear about expiring keys"),
        FieldSpec("recipients", .list(.text(.recipient)),
                  "age X25519 recipients (age1...) new keys are sealed to; required when the team has keys"),
        FieldSpec("keys", .list(.fields(key)), "the team's API keys, in the team's order"),
    ], rules: [.requiredWhenNonEmpty("recipients", field: "keys")])

    static let root = FieldGroup(id: "manifest", title: "a keysync manifest (keys.yaml)", fields: [
        FieldSpec("version", .integer(supportedVersions), "the manifest format version: 1"),
        FieldSpec("prefix", .text(.prefix),
                  "the prefix of every key (keys look like <prefix>_...): 1 to 16 ASCII letters and digits"),
        FieldSpec("plans", .named(.fields(plan), nullable: true),
                  "the plan table; when present it replaces the built-in one (free, starter, professional, enterprise)"),
        FieldSpec("defaults", .fields(defaults), "values every key gets unless it sets its own"),
        FieldSpec("teams", .named(.fields(team), nullable: false), "teams by name, each with its plan, recipients and keys"),
    ], rules: [
        // Global settings live in one file of a folder manifest, and that file needs both.
        .requiredTogether(["version", "prefix"], whenAnyOf: ["version", "prefix", "plans", "defaults"]),
    ])

    /// Every fixed-shape group, outermost first.
    static let groups = [root, plan, defaults, team, key]
}
