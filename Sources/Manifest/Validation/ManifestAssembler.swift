import Foundation

/// Merges decoded files into one `Manifest` and checks the rules that span fields, teams and
/// files: global settings in one file, unique teams and key names, plans and their limits,
/// recipients. Pure: drafts in, manifest (when no error) and diagnostics out.
struct ManifestAssembler {
    private var diagnostics: [Diagnostic] = []

    /// Consumes the drafts: each team's draft is released once its `Team` is built, so a large
    /// manifest never holds both in full.
    static func assemble(_ files: consuming [FileDraft], digest: String) -> (Manifest?, [Diagnostic]) {
        var assembler = ManifestAssembler()
        var files = files
        let manifest = assembler.run(&files, digest: digest)
        return (manifest, assembler.diagnostics)
    }

    private mutating func run(_ files: inout [FileDraft], digest: String) -> Manifest? {
        guard var firstFile = files.first else { return nil }
        firstFile.teams = []
        let anyIncomplete = files.contains { $0.incomplete }

        // Global settings: one file only.
        var globals: FileDraft?
        for file in files {
            guard let place = file.firstGlobal else { continue }
            if let owner = globals, let ownerPlace = owner.firstGlobal {
                error(.duplicateGlobal,
                      "global settings (version, prefix, plans, defaults) are already set in \(ownerPlace)",
                      hint: "keep version, prefix, plans and defaults in one file; other files hold only teams",
                      at: place)
            } else {
                var settingsOnly = file
                settingsOnly.teams = []  // keep no second reference to the teams
                globals = settingsOnly
            }
        }
        let settings = globals ?? firstFile
        let top = SourceLocation(file: settings.path, line: 1, column: 1)
        if !anyIncomplete {
            if !settings.versionSeen {
                error(.missingField, "the manifest has no version", hint: "add `version: 1` at the top", at: top)
            }
            if !settings.prefixSeen {
                error(.missingField, "the manifest has no prefix",
                      hint: "add a key prefix such as `prefix: thig` (keys then look like thig_...)", at: top)
            }
        }

        var plans: [String: Tier] = Tier.defaults
        if let declared = settings.plans {
            plans = [:]
            for plan in declared { plans[plan.name] = plan }
        }
        let planNames = plans.keys.sorted()
        let keyDefaults = settings.defaults ?? KeyDefaults()

        // Teams: one definition each across files.
        var teamPlaces: [String: SourceLocation] = [:]
        teamPlaces.reserveCapacity(files.reduce(0) { $0 + $1.teams.count })
        var teams: [Team] = []
        teams.reserveCapacity(teamPlaces.capacity)
        for f in files.indices {
            var drafts = files[f].teams
            files[f].teams = []
            for t in drafts.indices {
                var draft = drafts[t]
                drafts[t].keys = []  // `draft` now holds the only reference: filled in place
                if let first = teamPlaces[draft.name.value] {
                    error(.duplicateTeam,
                          "team \(draft.name.value) is defined in \(first) and again in \(draft.name.location)",
                          hint: "define each team in one file only", at: draft.name.location)
                    continue
                }
                teamPlaces[draft.name.value] = draft.name.location
                if let team = assembleTeam(&draft, plans: plans, planNames: planNames, defaults: keyDefaults) {
                    teams.append(team)
                }
            }
        }

        guard !diagnostics.hasErrors, let version = settings.version, let prefix = settings.prefix else {
            return nil
        }
        return Manifest(
            version: version.value, prefix: prefix, plans: plans, teams: teams, digest: digest)
    }

    private mutating func assembleTeam(
        _ draft: inout TeamDraft, plans: [String: Tier], planNames: [String], defaults: KeyDefaults
    ) -> Team? {
        let name = draft.name.value
        var plan: Tier?
        if let planName = draft.plan {
            plan = plans[planName.value]
            if plan == nil {
                var message = "team \(name) is on plan \(planName.value), which does not exist"
                if let near = Suggestion.nearest(to: planName.value, in: planNames) {
                    message += "; did you mean \(near)?"
                }
                error(.unknownPlan, message, hint: "plans: \(planNames.joined(separator: ", "))",
                      at: planName.location)
            }
        } else if !draft.planSeen {  // (a plan of the wrong type is already reported)
            error(.missingField, "team \(name) has no plan",
                  hint: "add `plan:` with one of: \(planNames.joined(separator: ", "))", at: draft.name.location)
        }

        let keyCount = draft.keys.count
        let keysPlace = draft.keysLocation ?? draft.name.location
        if let plan, keyCount > 0 {
            if !plan.apiAccess {
                error(.planNoAPIAccess,
                      "team \(name) declares \(keyCount) key\(keyCount == 1 ? "" : "s") but plan \(plan.name) has no API access",
                      hint: "move the team to a plan with API access, or remove its keys", at: keysPlace)
            } else if let max = plan.maxKeys, keyCount > max {
                error(.planKeyLimit, "team \(name) has \(keyCount) keys; plan \(plan.name) allows \(max)",
                      hint: "remove keys or move the team to a larger plan", at: keysPlace)
            }
        }
        if keyCount > 0 && draft.recipients.isEmpty && !draft.recipientsMistyped {
            error(.missingRecipients, "team \(name) has keys but no recipients",
                  hint: "add `recipients:` with the team's age public keys (age1...); new keys are sealed to them",
                  at: draft.name.location)
        }

        // Key names, also after renames: each name (current or previous) means one key.
        // An empty name was missing or invalid, and is already reported.
        var names = NameIndex(expected: keyCount)
        for key in draft.keys where !key.name.value.isEmpty {
            if let first = names[key.name.value] {
                error(.duplicateKeyName, "team \(name) already has a key named \(key.name.value) (\(first))",
                      hint: "give each key a unique name within its team", at: key.name.location)
            } else {
                names.insert(key.name.value, at: key.name.location)
            }
        }
        for key in draft.keys {
            guard let old = key.renamedFrom else { continue }
            if key.name.value == old.value {
                error(.invalidRename, "key \(old.value) is renamed from itself",
                      hint: "remove renamed_from, or set it to the key's previous name", at: old.location)
            } else if let first = names[old.value] {
                error(.duplicateKeyName,
                      "renamed_from \(old.value) names a key that team \(name) still declares (\(first))",
                      hint: "a renamed key's old name must not be used by another key in the team",
                      at: old.location)
            } else {
                names.insert(old.value, at: old.location)
            }
        }

        // Warn about keys nobody hears about, and apply defaults in place (the keys array is
        // uniquely held here, so no copy is made).
        var keys = draft.keys
        draft.keys = []
        for i in keys.indices {
            if !keys[i].name.value.isEmpty,
               UnownedKey.applies(keyOwner: keys[i].owner, teamOwner: draft.owner, teamContacts: draft.contacts) {
                diagnostics.append(.warning(
                    .noOwner, UnownedKey.message(team: name, key: keys[i].name.value), hint: UnownedKey.hint,
                    at: keys[i].location))
            }
            defaults.apply(to: &keys[i])
            // Access: the key's own, else its team's, else (scopes only) its plan's.
            if keys[i].scopes == nil { keys[i].scopes = draft.scopes ?? plan?.scopes }
            if keys[i].allowedIPs == nil { keys[i].allowedIPs = draft.allowedIPs }
        }
        guard let planName = draft.plan else { return nil }
        var team = Team(
            name: draft.name, plan: planName, owner: draft.owner, contacts: draft.contacts,
            recipients: draft.parsedRecipients, keys: keys, location: draft.name.location,
            scopes: draft.scopes, allowedIPs: draft.allowedIPs)
        team.protect = draft.protect
        return team
    }

    private mutating func error(
        _ code: ManifestDiagnosticCode, _ message: String, hint: String?, at location: SourceLocation
    ) {
        diagnostics.append(.error(code, message, hint: hint, at: location))
    }
}

/// Names seen so far in one team. Most teams hold a handful of keys, where a linear scan is
/// cheaper than building a hash table per team; large teams get a dictionary.
private struct NameIndex {
    private var small: [(String, SourceLocation)] = []
    private var large: [String: SourceLocation]?

    init(expected: Int) {
        if expected > 16 { large = Dictionary(minimumCapacity: expected) } else { small.reserveCapacity(expected) }
    }

    subscript(name: String) -> SourceLocation? {
        if let large { return large[name] }
        return small.first { $0.0 == name }?.1
    }

    mutating func insert(_ name: String, at location: SourceLocation) {
        if large != nil { large![name] = location } else { small.append((name, location)) }
    }
}
