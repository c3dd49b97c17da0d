import AgeFormat
/// Teams and their keys, read straight into drafts and `KeyDeclaration`s.
extension ManifestFileDecoder {
    mutating func decodeTeams(_ start: YAMLEvent, into draft: inout FileDraft) throws(Stop) {
        guard start.kind == .mappingStart else {
            wrongType("teams", expected: "a mapping of team names to teams", got: start)
            try skip(start)
            return
        }
        var names: [String: SourceLocation] = [:]
        while let (name, nameLocation, value) = try nextNamedEntry(of: "team", in: "teams", names: &names) {
            var team = TeamDraft(name: Located(name, at: nameLocation))
            guard value.kind == .mappingStart else {
                wrongType("team \(name)", expected: "a mapping with at least `plan`", got: value)
                team.planSeen = true
                try skip(value)
                draft.teams.append(team)
                continue
            }
            try decodeTeam(into: &team)
            draft.teams.append(team)
            reportProgress()
        }
    }

    mutating func decodeTeam(into team: inout TeamDraft) throws(Stop) {
        var seen = FieldSet<TeamField>()
        defer { team.planSeen = seen.contains(.plan) }
        while let (field, keyEvent) = try nextField(seen: &seen, context: "team \(team.name.value)") {
            let v = try next()
            switch field {
            case .plan: team.plan = try readString(v, field: "plan")
            case .owner: team.owner = try readEmail(v, field: "owner")
            case .contacts: team.contacts = try readStringList(v, field: "contacts", email: true)
            case .recipients:
                team.recipientsMistyped = v.kind != .sequenceStart
                team.recipients = try readStringList(v, field: "recipients", email: false)
                team.parsedRecipients = []
                for r in team.recipients {
                    // Teams often share recipients: parse each distinct text once per file.
                    let parsed: Result<AgeRecipient, RecipientProblem>
                    if let known = recipientChecks[r.value] {
                        parsed = known
                    } else {
                        parsed = validateRecipient(r.value)
                        recipientChecks[r.value] = parsed
                    }
                    switch parsed {
                    case .success(let recipient):
                        team.parsedRecipients.append(Located(recipient, at: r.location))
                    case .failure(let problem):
                        report(problem.code, "recipient \"\(r.value)\" is not a valid age X25519 recipient: \(problem.reason)",
                               hint: problem.code == .invalidRecipient
                                   ? "paste the `age1...` public key that age-keygen printed for the team"
                                   : "ask the team for the `age1...` line age-keygen printed; this one was not made by a key generator",
                               at: r.location)
                    }
                }
            case .keys:
                team.keysLocation = location(keyEvent)
                try decodeKeys(v, into: &team)
            case .protect:
                if let protect = try readBool(v, field: "protect") { team.protect = protect }
            case .scopes: team.scopes = try readScopes(v, context: "team \(team.name.value)")
            case .allowedIPs: team.allowedIPs = try readAllowedIPs(v, context: "team \(team.name.value)")
            }
        }
    }

    mutating func decodeKeys(_ start: YAMLEvent, into team: inout TeamDraft) throws(Stop) {
        guard start.kind == .sequenceStart else {
            wrongType("keys", expected: "a list of keys", got: start)
            try skip(start)
            return
        }
        // Teams in one manifest tend to hold similar numbers of keys: reserving the previous
        // team's count avoids both regrowth and the spare capacity of growth by doubling.
        var keys: [KeyDeclaration] = []
        keys.reserveCapacity(max(lastKeyCount, 1))
        while true {
            let entry = try next()
            if entry.kind == .sequenceEnd { break }
            guard entry.kind == .mappingStart else {
                wrongType("a key", expected: "a mapping with at least `name`", got: entry)
                try skip(entry)
                continue
            }
            keys.append(try decodeKey(at: location(entry), team: team.name.value))
        }
        lastKeyCount = keys.count
        if keys.capacity > keys.count + keys.count / 4 + 2 {
            team.keys = Array(unsafeUninitializedCapacity: keys.count) { buffer, initialized in
                initialized = buffer.initialize(fromContentsOf: keys)
            }
        } else {
            team.keys = keys
        }
    }

    /// Reads one key straight into its final type. Fields left unset keep markers the
    /// assembler fills from `defaults` (`KeyDefaults.apply(to:)`): `rateLimit` 0 (never a valid
    /// limit), `expiration`, `rotateGrace` and `rotateEvery` nil. A key without a valid name keeps an empty name.
    mutating func decodeKey(at place: SourceLocation, team: String) throws(Stop) -> KeyDeclaration {
        var key = KeyDeclaration(name: Located("", at: place), rateLimit: Located(0, at: place), location: place)
        var seen = FieldSet<KeyField>()
        while let (field, keyEvent) = try nextField(seen: &seen, context: "this key") {
            let v = try next()
            switch field {
            case .name:
                if let name = try readName(v, field: "key name") { key.name = name }
            case .description: key.description = try readString(v, field: "description")
            case .owner: key.owner = try readEmail(v, field: "owner")
            case .rateLimit:
                if let limit = try readRateLimit(v) { key.rateLimit = limit }
            case .expires, .expiresIn:
                if seen.contains(.expires) && seen.contains(.expiresIn) { expiresConflict(at: location(keyEvent)) }
                if let expiration = try readExpiration(v, period: field == .expiresIn) { key.expiration = expiration }
            case .active:
                if let active = try readBool(v, field: "active") { key.active = active }
            case .renamedFrom: key.renamedFrom = try readName(v, field: "renamed_from")
            case .rotate:
                if let n = try readInteger(v, field: "rotate") {
                    if ManifestFields.rotateRange.contains(n.value) {
                        key.rotate = n.value
                    } else {
                        report(.outOfRange, "rotate \(n.value) is out of range",
                               hint: "rotate is a generation: 0 or more, raised by one to rotate", at: n.location)
                    }
                }
            case .rotateGrace: key.rotateGrace = try readPeriod(v, field: "rotate_grace")
            case .rotateEvery: key.rotateEvery = try readPeriod(v, field: "rotate_every")
            case .protect:
                if let protect = try readBool(v, field: "protect") { key.protect = protect }
            case .scopes: key.scopes = try readScopes(v, context: Self.keyContext(key, team: team))
            case .allowedIPs: key.allowedIPs = try readAllowedIPs(v, context: Self.keyContext(key, team: team))
            }
        }
        if !seen.contains(.name) {
            report(.missingField, "a key of team \(team) has no name",
                   hint: "add `name:` (lowercase letters, digits, '-', '_', '.')", at: place)
        }
        return key
    }

    /// How messages name a key: `key team/name`, or `a key of team <team>` before its name is read.
    static func keyContext(_ key: KeyDeclaration, team: String) -> String {
        key.name.value.isEmpty ? "a key of team \(team)" : "key \(team)/\(key.name.value)"
    }
}
