import AgeFormat
import KeysyncCore
import Foundation

/// Reads one file's YAML events straight into a `FileDraft`: no generic node tree, each scalar
/// interpreted by the type its field expects, every problem collected as a `Diagnostic`.
///
/// Hostile input stops early: nesting deeper than `maxDepth` ends the file, and anchors and
/// aliases are refused (never expanded), so work stays linear in the file's size.
struct ManifestFileDecoder {
    static let maxDepth = 64

    private let reader: YAMLEventReader
    private let path: String
    private(set) var diagnostics: [Diagnostic] = []
    private var depth = 0
    private var aliasCount = 0
    private var aliasDiagnostic: Int?
    /// How many keys the previous team had: the next team's first guess.
    private var lastKeyCount = 0
    /// Recipient text → parsed recipient or problem, so shared recipients are parsed once.
    private var recipientChecks: [String: Result<AgeRecipient, RecipientProblem>] = [:]

    /// Decodes `source`, returning its draft and every problem found in it.
    static func decode(_ source: ManifestSource) -> (FileDraft, [Diagnostic]) {
        YAMLEventReader.withReader(source.bytes) { reader in
            var decoder = ManifestFileDecoder(reader: reader, path: source.path)
            var draft = FileDraft(path: source.path)
            decoder.decodeStream(into: &draft)
            return (draft, decoder.diagnostics)
        }
    }

    private init(reader: YAMLEventReader, path: String) {
        self.reader = reader
        self.path = path
    }

    /// Why decoding stopped before the stream's end; already reported as a diagnostic.
    private struct Stop: Error {}

    // MARK: - Stream and documents

    private mutating func decodeStream(into draft: inout FileDraft) {
        do throws(Stop) {
            _ = try next()  // stream start
            var event = try next()
            if event.kind == .streamEnd {
                draft.incomplete = true
                report(.emptyFile, "the file has no content", hint: "add the manifest's settings or teams, or delete the file",
                       at: location(1, 1))
                return
            }
            var documents = 0
            while event.kind == .documentStart {
                documents += 1
                let node = try next()
                if documents == 1 {
                    try decodeRoot(node, into: &draft)
                } else {
                    report(.multipleDocuments, "the file holds more than one YAML document",
                           hint: "remove the `---` separator; split teams into separate files instead",
                           at: location(node))
                    try skip(node)
                }
                _ = try next()  // document end
                event = try next()
            }
        } catch {
            draft.incomplete = true
        }
        if aliasCount > 1, let index = aliasDiagnostic {
            diagnostics[index].message += " (and \(aliasCount - 1) more in this file)"
        }
    }

    private mutating func decodeRoot(_ start: YAMLEvent, into draft: inout FileDraft) throws(Stop) {
        if start.kind == .scalar, start.isPlain, ScalarSyntax.isNull(start.bytes) {
            draft.incomplete = true
            report(.emptyFile, "the file has no content", hint: "add the manifest's settings or teams, or delete the file",
                   at: location(start))
            return
        }
        guard start.kind == .mappingStart else {
            draft.incomplete = true  // not a manifest at all: missing fields would be noise
            wrongType("the manifest", expected: "a mapping of settings and teams", got: start)
            try skip(start)
            return
        }
        var seen: UInt32 = 0
        while let (field, keyEvent) = try nextField(in: .root, seen: &seen, context: "the manifest") {
            let value = try next()
            let keyLocation = location(keyEvent)
            if field != 4, draft.firstGlobal == nil { draft.firstGlobal = keyLocation }
            switch field {
            case 0:
                draft.versionSeen = true
                draft.version = try readInteger(value, field: "version")
                if let v = draft.version, !ManifestFields.supportedVersions.contains(v.value) {
                    report(.unsupportedVersion, "manifest version \(v.value) is not supported",
                           hint: "this keysync reads version 1; write `version: 1`", at: v.location)
                    draft.version = nil
                }
            case 1:
                draft.prefixSeen = true
                if let p = try readString(value, field: "prefix") {
                    if ScalarSyntax.isValidPrefix(p.value) {
                        draft.prefix = p
                    } else {
                        report(.invalidPrefix, "prefix \"\(p.value)\" is not valid",
                               hint: "use 1 to 16 ASCII letters and digits, e.g. `thig` for keys like thig_...",
                               at: p.location)
                    }
                }
            case 2: draft.plans = try decodePlans(value)
            case 3: draft.defaults = try decodeDefaults(value)
            default: try decodeTeams(value, into: &draft)
            }
        }
    }

    // MARK: - Plans and defaults

    private mutating func decodePlans(_ start: YAMLEvent) throws(Stop) -> [Tier]? {
        guard start.kind == .mappingStart else {
            wrongType("plans", expected: "a mapping of plan names to plans", got: start)
            try skip(start)
            return nil
        }
        var plans: [Tier] = []
        var names: [String: SourceLocation] = [:]
        while let (name, nameLocation, value) = try nextNamedEntry(of: "plan", in: "plans", names: &names) {
            var plan = Tier(name: name, apiAccess: true, maxKeys: nil, location: nameLocation)
            if value.kind == .scalar, value.isPlain, ScalarSyntax.isNull(value.bytes) {
                plans.append(plan)  // `enterprise:` alone: a plan with every default
                continue
            }
            guard value.kind == .mappingStart else {
                wrongType("plan \(name)", expected: "a mapping (api_access, max_keys)", got: value)
                try skip(value)
                continue
            }
            var seen: UInt32 = 0
            while let (field, _) = try nextField(in: .plan, seen: &seen, context: "plan \(name)") {
                let v = try next()
                if field == 0 {
                    if let b = try readBool(v, field: "api_access") { plan.apiAccess = b }
                } else {
                    plan.maxKeys = try readMaxKeys(v)
                }
            }
            plans.append(plan)
        }
        return plans
    }

    private mutating func readMaxKeys(_ v: YAMLEvent) throws(Stop) -> Int? {
        if v.kind == .scalar, v.isPlain, ScalarSyntax.equals(v.bytes, "unlimited") { return nil }
        guard let n = try readInteger(v, field: "max_keys", expected: "an integer or `unlimited`") else {
            return nil
        }
        guard n.value >= ManifestFields.maxKeysMinimum else {
            report(.outOfRange, "max_keys \(n.value) is out of range",
                   hint: "use 0 or more, or `unlimited`", at: n.location)
            return nil
        }
        return n.value
    }

    private mutating func decodeDefaults(_ start: YAMLEvent) throws(Stop) -> DefaultsDraft? {
        guard start.kind == .mappingStart else {
            wrongType("defaults", expected: "a mapping", got: start)
            try skip(start)
            return nil
        }
        var defaults = DefaultsDraft()
        var seen: UInt32 = 0
        while let (field, keyEvent) = try nextField(in: .defaults, seen: &seen, context: "defaults") {
            let v = try next()
            switch field {
            case 0: defaults.rateLimit = try readRateLimit(v)
            case 1, 2:
                if seen & 0b110 == 0b110 { expiresConflict(at: location(keyEvent)) }
                if field == 1 { defaults.expires = try readDate(v) } else { defaults.expiresIn = try readPeriod(v, field: "expires_in") }
            default: defaults.rotateGrace = try readPeriod(v, field: "rotate_grace")
            }
        }
        return defaults
    }

    // MARK: - Teams and keys

    private mutating func decodeTeams(_ start: YAMLEvent, into draft: inout FileDraft) throws(Stop) {
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
        }
    }

    private mutating func decodeTeam(into team: inout TeamDraft) throws(Stop) {
        var seen: UInt32 = 0
        defer { team.planSeen = seen & 1 != 0 }
        while let (field, keyEvent) = try nextField(in: .team, seen: &seen, context: "team \(team.name.value)") {
            let v = try next()
            switch field {
            case 0: team.plan = try readString(v, field: "plan")
            case 1: team.owner = try readEmail(v, field: "owner")
            case 2: team.contacts = try readStringList(v, field: "contacts", email: true)
            case 3:
                team.recipientsMistyped = v.kind != .sequenceStart
                team.recipients = try readStringList(v, field: "recipients", email: false)
                team.parsedRecipients = []
                for r in team.recipients {
                    // Teams often share recipients: check each distinct text once per file.
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
            default:
                team.keysLocation = location(keyEvent)
                try decodeKeys(v, into: &team)
            }
        }
    }

    private mutating func decodeKeys(_ start: YAMLEvent, into team: inout TeamDraft) throws(Stop) {
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
    /// assembler fills from `defaults`: `rateLimit` 0 (never a valid limit), `expiration` and
    /// `rotateGrace` nil. A key without a valid name keeps an empty name.
    private mutating func decodeKey(at place: SourceLocation, team: String) throws(Stop) -> KeyDeclaration {
        var key = KeyDeclaration(name: Located("", at: place), rateLimit: Located(0, at: place), location: place)
        var seen: UInt32 = 0
        while let (field, keyEvent) = try nextField(in: .key, seen: &seen, context: "this key") {
            let v = try next()
            switch field {
            case 0:
                if let name = try readName(v, field: "key name") { key.name = name }
            case 1: key.description = try readString(v, field: "description")
            case 2: key.owner = try readEmail(v, field: "owner")
            case 3:
                if let limit = try readRateLimit(v) { key.rateLimit = limit }
            case 4, 5:
                if seen & 0b11_0000 == 0b11_0000 { expiresConflict(at: location(keyEvent)) }
                if field == 4 {
                    if let date = try readDate(v) { key.expiration = Located(.at(date.value), at: date.location) }
                } else if let period = try readPeriod(v, field: "expires_in") {
                    key.expiration = Located(.after(period.value), at: period.location)
                }
            case 6:
                if let active = try readBool(v, field: "active") { key.active = active }
            case 7: key.renamedFrom = try readName(v, field: "renamed_from")
            case 8:
                if let n = try readInteger(v, field: "rotate") {
                    if ManifestFields.rotateRange.contains(n.value) {
                        key.rotate = n.value
                    } else {
                        report(.outOfRange, "rotate \(n.value) is out of range",
                               hint: "rotate is a generation: 0 or more, raised by one to rotate", at: n.location)
                    }
                }
            default: key.rotateGrace = try readPeriod(v, field: "rotate_grace")
            }
        }
        if seen & 1 == 0 {
            report(.missingField, "a key of team \(team) has no name",
                   hint: "add `name:` (lowercase letters, digits, '-', '_', '.')", at: place)
        }
        return key
    }

    // MARK: - Mapping keys

    /// The next field of a fixed-schema mapping, or `nil` at its end. Unknown fields,
    /// duplicate fields and non-scalar keys are reported and their values skipped here.
    private mutating func nextField(
        in table: FieldTable, seen: inout UInt32, context: @autoclosure () -> String
    ) throws(Stop) -> (Int, YAMLEvent)? {
        while true {
            let key = try next()
            switch key.kind {
            case .mappingEnd:
                return nil
            case .scalar:
                if let index = table.index(of: key.bytes) {
                    let bit: UInt32 = 1 << UInt32(index)
                    if seen & bit != 0 {
                        let name = table.names[index]
                        report(.duplicateKey, "field \(name) appears twice in \(context())",
                               hint: "remove one; YAML would silently keep only the last", at: location(key))
                        try skip(try next())
                        continue
                    }
                    seen |= bit
                    return (index, key)
                }
                let name = String(decoding: key.bytes, as: UTF8.self)
                let keyLocation = location(key)
                var hint = "known fields here: \(table.names.joined(separator: ", "))"
                var message = "unknown field \(name) in \(context())"
                if let near = Suggestion.nearest(to: name, in: table.names) {
                    message += "; did you mean \(near)?"
                    hint = "rename it to \(near)"
                }
                report(.unknownField, message, hint: hint, at: keyLocation)
                try skip(try next())
            default:
                try nonScalarKey(key, context: context())
            }
        }
    }

    /// The next entry of a mapping keyed by names (`kind` is "plan" or "team"), or `nil` at its
    /// end: a name seen before is reported as a duplicate and its value skipped; a name that
    /// breaks the naming rule is reported and still decoded, so its contents are checked too.
    private mutating func nextNamedEntry(
        of kind: String, in context: String, names: inout [String: SourceLocation]
    ) throws(Stop) -> (String, SourceLocation, YAMLEvent)? {
        while let (name, nameEvent) = try nextDynamicKey(context: context) {
            let nameLocation = location(nameEvent)
            let value = try next()
            if let first = names[name] {
                duplicateKey("\(kind) \(name)", first: first, at: nameLocation)
                try skip(value)
                continue
            }
            names[name] = nameLocation
            if !ScalarSyntax.isValidName(name) {
                invalidName("\(kind) name", name, at: nameLocation)
            }
            return (name, nameLocation, value)
        }
        return nil
    }

    /// The next key of a mapping whose keys are names (teams, plans), or `nil` at its end.
    private mutating func nextDynamicKey(context: String) throws(Stop) -> (String, YAMLEvent)? {
        while true {
            let key = try next()
            switch key.kind {
            case .mappingEnd:
                return nil
            case .scalar:
                return (String(decoding: key.bytes, as: UTF8.self), key)
            default:
                try nonScalarKey(key, context: context)
            }
        }
    }

    private mutating func nonScalarKey(_ key: YAMLEvent, context: String) throws(Stop) {
        if key.kind != .alias {
            report(.wrongType, "a name in \(context) must be plain text, not \(describe(key))",
                   hint: "write `name: value`", at: location(key))
        }
        try skip(key)
        try skip(try next())
    }

    // MARK: - Scalars by expected type

    private mutating func readString(_ v: YAMLEvent, field: String) throws(Stop) -> Located<String>? {
        guard v.kind == .scalar else {
            wrongType(field, expected: "text", got: v)
            try skip(v)
            return nil
        }
        if v.isPlain && ScalarSyntax.isNull(v.bytes) {
            wrongType(field, expected: "text", got: v)
            return nil
        }
        return Located(String(decoding: v.bytes, as: UTF8.self), at: location(v))
    }

    private mutating func readName(_ v: YAMLEvent, field: String) throws(Stop) -> Located<String>? {
        guard v.kind == .scalar, !(v.isPlain && ScalarSyntax.isNull(v.bytes)) else {
            return try readString(v, field: field)
        }
        let name = Located(String(decoding: v.bytes, as: UTF8.self), at: location(v))
        if !ScalarSyntax.isValidName(v.bytes) { invalidName(field, name.value, at: name.location) }
        return name
    }

    private mutating func readEmail(_ v: YAMLEvent, field: String) throws(Stop) -> Located<String>? {
        guard let s = try readString(v, field: field) else { return nil }
        if !ScalarSyntax.isPlausibleEmail(s.value) {
            report(.invalidEmail, "\(field) \"\(s.value)\" is not an email address",
                   hint: "write an address such as alice@example.com", at: s.location)
        }
        return s
    }

    private mutating func readStringList(
        _ v: YAMLEvent, field: String, email: Bool
    ) throws(Stop) -> [Located<String>] {
        guard v.kind == .sequenceStart else {
            wrongType(field, expected: "a list", got: v)
            try skip(v)
            return []
        }
        var items: [Located<String>] = []
        while true {
            let item = try next()
            if item.kind == .sequenceEnd { return items }
            let value = email ? try readEmail(item, field: "a \(field) entry") : try readString(item, field: "a \(field) entry")
            if let value { items.append(value) }
        }
    }

    private mutating func readInteger(
        _ v: YAMLEvent, field: String, expected: String = "an integer"
    ) throws(Stop) -> Located<Int>? {
        guard v.kind == .scalar, v.isPlain else {
            wrongType(field, expected: expected, got: v)
            try skip(v)
            return nil
        }
        switch ScalarSyntax.integer(v.bytes) {
        case .value(let n): return Located(n, at: location(v))
        case .tooLarge(let negative): return Located(negative ? Int.min : Int.max, at: location(v))
        case .notInteger:
            wrongType(field, expected: expected, got: v)
            return nil
        }
    }

    private mutating func readRateLimit(_ v: YAMLEvent) throws(Stop) -> Located<Int>? {
        guard let n = try readInteger(v, field: "rate_limit") else { return nil }
        guard KeyDefaults.rateLimitRange.contains(n.value) else {
            let text = String(decoding: v.bytes, as: UTF8.self)
            report(.rateLimitRange, "rate limit \(text) is out of range",
                   hint: "use 1 to 10000 requests per minute", at: n.location)
            return nil
        }
        return n
    }

    private mutating func readBool(_ v: YAMLEvent, field: String) throws(Stop) -> Bool? {
        if v.kind == .scalar, v.isPlain {
            if ScalarSyntax.equals(v.bytes, "true") { return true }
            if ScalarSyntax.equals(v.bytes, "false") { return false }
        }
        wrongType(field, expected: "true or false", got: v)
        try skip(v)
        return nil
    }

    private mutating func readDate(_ v: YAMLEvent) throws(Stop) -> Located<Date>? {
        guard let s = try readString(v, field: "expires") else { return nil }
        guard let date = Timestamp.parseDateOrTimestamp(s.value) else {
            report(.invalidDate, "expires \"\(s.value)\" is not a valid date",
                   hint: "write a date like 2027-03-01 (end of that day, UTC) or an RFC 3339 timestamp like 2027-03-01T12:00:00Z",
                   at: s.location)
            return nil
        }
        return Located(date, at: s.location)
    }

    private mutating func readPeriod(_ v: YAMLEvent, field: String) throws(Stop) -> Located<Period>? {
        guard let s = try readString(v, field: field) else { return nil }
        guard let period = Period(parsing: s.value) else {
            report(.invalidPeriod, "\(field) \"\(s.value)\" is not a valid period",
                   hint: "write a positive number and a unit: s, m, h, d or w (e.g. 90d, 12h, 52w), at most 100 years",
                   at: s.location)
            return nil
        }
        return Located(period, at: s.location)
    }

    // MARK: - Events

    /// The next event, with the checks every node gets: anchors, aliases, tags and depth.
    private mutating func next() throws(Stop) -> YAMLEvent {
        let event: YAMLEvent
        do {
            event = try reader.next()
        } catch {
            if error.kind == .encoding {
                report(.notUTF8, "the file is not valid UTF-8 (\(error.message))",
                       hint: "save the file as UTF-8", at: location(error.line, error.column))
            } else {
                report(.yamlSyntax, error.message, hint: "fix the YAML syntax at this place",
                       at: location(error.line, error.column))
            }
            throw Stop()
        }
        switch event.kind {
        case .mappingStart, .sequenceStart:
            depth += 1
            if depth > Self.maxDepth {
                report(.tooDeep, "the document nests deeper than \(Self.maxDepth) levels",
                       hint: "a manifest needs at most 6 levels; this file is not a keysync manifest", at: location(event))
                throw Stop()
            }
        case .mappingEnd, .sequenceEnd:
            depth -= 1
        default:
            break
        }
        if event.hasAnchor || event.kind == .alias {
            aliasCount += 1
            if aliasDiagnostic == nil {
                aliasDiagnostic = diagnostics.count
                report(.aliasNotAllowed, "anchors and aliases (&name, *name) are not allowed",
                       hint: "write each value out in full; reviewers must see every key's settings where it is declared",
                       at: location(event))
            }
        }
        if event.hasTag {
            report(.tagNotAllowed, "tags (!tag) are not allowed in a manifest",
                   hint: "remove the tag; each field's type is fixed by the manifest format", at: location(event))
        }
        return event
    }

    /// Consumes the rest of the node that `start` began.
    private mutating func skip(_ start: YAMLEvent) throws(Stop) {
        guard start.kind == .mappingStart || start.kind == .sequenceStart else { return }
        var level = 1
        while level > 0 {
            switch try next().kind {
            case .mappingStart, .sequenceStart: level += 1
            case .mappingEnd, .sequenceEnd: level -= 1
            case .streamEnd: return
            default: break
            }
        }
    }

    // MARK: - Reporting

    private func location(_ event: YAMLEvent) -> SourceLocation {
        SourceLocation(file: path, line: event.line, column: event.column)
    }

    private func location(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }

    private mutating func report(
        _ code: ManifestDiagnosticCode, _ message: String, hint: String?, at location: SourceLocation
    ) {
        diagnostics.append(.error(code, message, hint: hint, at: location))
    }

    private mutating func wrongType(_ what: String, expected: String, got v: YAMLEvent) {
        if v.kind == .alias { return }  // already reported as alias-not-allowed
        var hint = "write \(expected)"
        if v.kind == .scalar, v.isPlain, ScalarSyntax.isNull(v.bytes) {
            hint = "give it a value, or remove the line"
        } else if v.kind == .scalar, !v.isPlain, expected.hasPrefix("an integer") || expected == "true or false" {
            hint = "remove the quotes"
        } else if expected == "true or false", v.kind == .scalar, ScalarSyntax.looksBoolean(v.bytes) {
            hint = "use true or false; yes, no, on and off are not booleans in a keysync manifest"
        }
        report(.wrongType, "\(what) must be \(expected), not \(describe(v))", hint: hint, at: location(v))
    }

    private func describe(_ v: YAMLEvent) -> String {
        switch v.kind {
        case .mappingStart: return "a mapping"
        case .sequenceStart: return "a list"
        case .scalar:
            if v.isPlain && ScalarSyntax.isNull(v.bytes) { return "empty" }
            let text = String(decoding: v.bytes.prefix(40), as: UTF8.self)
            return v.isPlain ? "\"\(text)\"" : "the quoted string \"\(text)\""
        default: return "an alias"
        }
    }

    private mutating func duplicateKey(_ what: String, first: SourceLocation, at location: SourceLocation) {
        report(.duplicateKey, "\(what) appears twice in this mapping (first on line \(first.line))",
               hint: "merge the two entries; YAML would silently keep only the last", at: location)
    }

    private mutating func invalidName(_ what: String, _ name: String, at location: SourceLocation) {
        report(.invalidName, "\(what) \"\(name)\" is not valid",
               hint: "use 1 to 63 lowercase letters, digits, '-', '_' or '.'", at: location)
    }

    private mutating func expiresConflict(at location: SourceLocation) {
        report(.expiresConflict, "expires and expires_in are both set",
               hint: "keep one: expires for a fixed date, expires_in for a period from the key's creation",
               at: location)
    }
}
