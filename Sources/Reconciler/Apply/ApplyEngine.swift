import AgeFormat
import Foundation

/// The pure half of apply: executes a plan exactly as given (never diffs again) against the
/// state it was made from, minting, sealing and describing every change in memory.
///
/// Pure: the clock, the actor and all randomness (key material, ids, the lineage, age's file
/// keys and nonces) are parameters, so tests get the same bytes on every run. Raw keys live
/// only inside `prepare`; `APIKey.reveal()` is called in one place, to build the sealed plaintext.
public enum ApplyEngine {
    /// Applies `plan` to `state` (the state the plan was made from; the caller checks
    /// staleness), at `now`, on behalf of `context`, continuing the repository's `history`
    /// (`RepositoryHistory.check`; by default, a log whose head is the state's own).
    ///
    /// - serial becomes `history.nextSerial`, above every serial ever used; the lineage is made
    ///   (a UUID from `generator`) when `nil`; `prefix` becomes the plan's.
    /// - the audit lines are made here: the state's missing `apply.completed` and
    ///   `apply.incomplete` for crashed applies (from `history`), `apply.began`, one event per
    ///   action; the new state records the log's head after them, and `apply.completed` is the
    ///   line written after the state.
    /// - creates and rotations mint a key and an id; rotations revoke the old key now, or with
    ///   a grace set its `revoke_after` to `now + grace`; revokes keep the record as a tombstone;
    ///   updates, renames and (de)activations set exactly the plan's field changes.
    /// - `now` is truncated to whole seconds, as the state file stores it, so the returned state
    ///   equals the one read back from disk.
    ///
    /// - the new state is signed with `signingKey` as the very last step (or carries no
    ///   signature block when there is none: a changed state never keeps an old signature).
    ///
    /// A plan without changes gives the state unchanged and nothing to write. `progress` hears
    /// each key change minted or changed (`.mint`), the audit lines and new state encoded
    /// (`.encodeState`), and each team sealed (`.seal`).
    public static func prepare(
        plan: Plan, state: StateFile, history: RepositoryHistory.Continuation? = nil, now: Date,
        context: AuditContext, armor: Bool = false, signingKey: StateSigningKey? = nil,
        progress: ProgressReporter = .silent,
        using generator: inout some RandomNumberGenerator
    ) throws(ApplyError) -> PreparedApply {
        let history = history ?? RepositoryHistory.Continuation(following: state)
        guard plan.hasChanges else {
            return PreparedApply(previousState: state, state: state, sealedFiles: [], events: [],
                                 hasChanges: false, actionCounts: [:])
        }
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var run = ApplyRun(state: state, serial: history.nextSerial, now: now, context: context)
        run.next.prefix = plan.prefix
        run.next.version = StateFile.currentVersion
        if run.next.lineage == nil { run.next.lineage = makeUUID(using: &generator) }

        for change in plan.teamChanges { run.apply(change) }
        var minted: [MintedKey] = []
        let changeCount = plan.keyChanges.count
        progress(.mint, 0, of: changeCount)
        for (index, change) in plan.keyChanges.enumerated() {
            try run.apply(change, prefix: plan.prefix, minted: &minted, using: &generator)
            progress(.mint, index + 1, of: changeCount)
        }
        progress(.encodeState, 0, of: 1)
        var markers: [ApplyMarker] = []
        func marker(_ kind: ApplyMarker.Kind, _ serial: Int) -> ApplyMarker {
            ApplyMarker(time: now, event: kind, actor: context.actor, commit: context.commit, serial: serial,
                        lineage: run.next.lineage)
        }
        if let own = history.missingCompletion { markers.append(marker(.completed, own)) }
        for serial in history.incompleteSerials { markers.append(marker(.incomplete, serial)) }
        markers.append(marker(.began, run.serial))
        let lines = markers.map(AuditLine.apply) + run.events.map(AuditLine.key)
        let (auditLines, chained) = AuditLog.encode(lines, after: history.logAnchor)
        // The state records which segment the head lands in (the writer splits the same way).
        let anchor = history.logEnd.appending(auditLines).end.anchor(head: chained.head)
        let completion = AuditLog.encode([.apply(marker(.completed, run.serial))], after: chained).bytes
        var unsigned = run.finished.normalized.withoutSignature
        unsigned.log = anchor
        do {
            try unsigned.validate()
        } catch {
            throw .invalidNewState(error)
        }
        // Encoded once here (signing and writing share the files), not again by the writer.
        // A bucket whose records did not change keeps its shard as read: not encoded, not written.
        let (next, stateFiles) = unsigned.signedFiles(with: signingKey, shards: unsigned.shards(reusingUnchangedOf: state))
        progress(.encodeState, 1, of: 1)
        let sealed = try seal(minted, serial: run.serial, now: now, armor: armor, progress: progress, using: &generator)
        var counts: [KeyAction: Int] = [:]
        for change in plan.keyChanges {
            for action in change.actions { counts[action, default: 0] += 1 }
        }
        return PreparedApply(previousState: state, state: next, sealedFiles: sealed, events: run.events,
                             hasChanges: true, actionCounts: counts, auditLines: auditLines,
                             completionLine: completion, logEnd: history.logEnd, stateFiles: stateFiles)
    }

    /// Groups the minted keys per team into one sealed document each, encrypted to the team's
    /// recipients. The only place raw keys are revealed.
    private static func seal(
        _ minted: [MintedKey], serial: Int, now: Date, armor: Bool, progress: ProgressReporter,
        using generator: inout some RandomNumberGenerator
    ) throws(ApplyError) -> [SealedFile] {
        let byTeam = Dictionary(grouping: minted, by: \.record.team)
        var files: [SealedFile] = []
        progress(.seal, 0, of: byTeam.count)
        for team in byTeam.keys.sorted() {
            let keys = byTeam[team]!
            var recipients: [AgeRecipient] = []
            for key in keys {
                for recipient in key.recipients where !recipients.contains(recipient) {
                    recipients.append(recipient)
                }
            }
            let document = SealedKeyDocument(
                team: team, serial: serial, createdAt: now,
                keys: keys.map { key in
                    SealedKeyDocument.Entry(
                        team: team, name: key.record.name, id: key.record.id, key: key.key.reveal(),
                        expiresAt: key.record.expiresAt, rateLimit: key.record.rateLimit)
                })
            let ciphertext: [UInt8]
            do {
                ciphertext = try AgeEncryptor.encrypt(document.encoded(), to: recipients, armor: armor, using: &generator)
            } catch {
                throw .sealing(team: team, reason: "\(error)")
            }
            files.append(SealedFile(
                name: SealedFile.name(serial: serial, team: team), team: team,
                keyIDs: keys.map(\.record.id).sorted(), ciphertext: ciphertext))
            progress(.seal, files.count, of: byTeam.count)
        }
        return files
    }

    /// A version 4 UUID (RFC 9562) from `generator`, lower case.
    static func makeUUID(using generator: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        for _ in 0..<2 {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }
}

/// A key minted during `prepare`, with the recipients it is sealed to. Never leaves the file.
private struct MintedKey {
    var key: APIKey
    var record: KeyRecord
    var recipients: [AgeRecipient]
}

/// One `prepare`'s working values.
private struct ApplyRun {
    var next: StateFile
    let serial: Int
    let now: Date
    let context: AuditContext
    var events: [AuditEvent] = []
    /// Position of each record in `next.keys` by id, and of each team record by name: a
    /// first apply at 100k keys and 20k teams must not search the arrays once per change.
    private var keyIndex: [KeyID: Int]
    private var teamIndex: [String: Int]

    init(state: StateFile, serial: Int, now: Date, context: AuditContext) {
        self.next = state
        self.next.serial = serial
        self.serial = serial
        self.now = now
        self.context = context
        keyIndex = Dictionary(state.keys.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        teamIndex = Dictionary(state.teams.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The state with removed teams dropped; `next.teams` keeps a tombstone slot until then.
    mutating func apply(_ change: TeamChange) {
        let after = change.action == .remove ? nil : change.after
        if let index = teamIndex[change.team] {
            if let after { next.teams[index] = after } else { removedTeams.insert(change.team) }
        } else if let after {
            teamIndex[change.team] = next.teams.count
            next.teams.append(after)
        }
    }

    private var removedTeams: Set<String> = []

    /// `next` with the removed teams gone, ready to be normalized and validated.
    var finished: StateFile {
        var state = next
        if !removedTeams.isEmpty { state.teams.removeAll { removedTeams.contains($0.name) } }
        return state
    }

    mutating func apply(
        _ change: KeyChange, prefix: String, minted: inout [MintedKey],
        using generator: inout some RandomNumberGenerator
    ) throws(ApplyError) {
        switch change.primaryAction {
        case .create:
            guard let newKey = change.newKey else {
                throw .malformedChange(team: change.team, name: change.name, reason: "a create without a new key")
            }
            let key = try mint(change, newKey, prefix: prefix, minted: &minted, using: &generator)
            var fields = Self.creationFields(key)
            fields["recipients"] = AuditChange(from: .null, to: .strings(Self.sealedTo(newKey)))
            event(.keyCreated, key, changes: fields)
        case .rotate:
            guard let newKey = change.newKey, let revocation = change.revocation, let oldID = change.keyID else {
                throw .malformedChange(team: change.team, name: change.name, reason: "a rotation needs the old key, a new key and a revocation")
            }
            var old = try liveRecord(oldID)
            var fields: [String: AuditChange] = [
                "id": AuditChange(from: .string(old.id.rawValue), to: .null),
                "preview": AuditChange(from: .string(old.preview.rawValue), to: .null),
            ]
            if let grace = revocation.grace {
                let after = now.addingTimeInterval(TimeInterval(grace.seconds))
                fields["old_key_revoke_after"] = AuditChange(from: Self.value(old.revokeAfter), to: Self.value(after))
                old.revokeAfter = after
            } else {
                fields["old_key_status"] = AuditChange(from: .string(old.status.rawValue), to: .string(KeyStatus.revoked.rawValue))
                old.status = .revoked
                old.revokedAt = now
                old.revokedReason = revocation.reason
            }
            replace(old)
            let key = try mint(change, newKey, prefix: prefix, minted: &minted, using: &generator)
            fields["id"]!.to = .string(key.id.rawValue)
            fields["preview"]!.to = .string(key.preview.rawValue)
            fields["recipients"] = AuditChange(from: .null, to: .strings(Self.sealedTo(newKey)))
            for field in change.changes { fields[field.field] = Self.auditChange(field) }
            if let reason = change.reason {
                // Why the rotation happened when the manifest did not raise `rotate`: "due".
                fields["reason"] = AuditChange(from: .null, to: .string(reason.rawValue))
            }
            event(.keyRotated, key, changes: fields)
        case .revoke:
            guard let id = change.keyID, let revocation = change.revocation else {
                throw .malformedChange(team: change.team, name: change.name, reason: "a revoke needs a key and a reason")
            }
            var record = try liveRecord(id)
            let before = record.status
            record.status = .revoked
            record.revokedAt = now
            record.revokedReason = revocation.reason
            replace(record)
            event(.keyRevoked, record, changes: [
                "status": AuditChange(from: .string(before.rawValue), to: .string(KeyStatus.revoked.rawValue)),
                "revoked_reason": AuditChange(from: .null, to: .string(revocation.reason.rawValue)),
            ])
        case .update, .rename, .deactivate, .activate:
            try modify(change)
        }
    }

    /// Sets exactly the plan's field changes, checking each `old` against the record.
    private mutating func modify(_ change: KeyChange) throws(ApplyError) {
        guard let id = change.keyID else {
            throw .malformedChange(team: change.team, name: change.name, reason: "a change to an existing key without its id")
        }
        var record = try liveRecord(id)
        var updated: [String: AuditChange] = [:]
        var renamed: [String: AuditChange] = [:]
        var status: [String: AuditChange] = [:]
        for field in change.changes {
            switch field {
            case .name(let old, let new):
                try expect(record.name == old, id, field)
                record.name = new
                renamed[field.field] = Self.auditChange(field)
            case .description(let old, let new):
                try expect(record.description == old, id, field)
                record.description = new
                updated[field.field] = Self.auditChange(field)
            case .owner(let old, let new):
                try expect(record.owner == old, id, field)
                record.owner = new
                updated[field.field] = Self.auditChange(field)
            case .rateLimit(let old, let new):
                try expect(record.rateLimit == old, id, field)
                record.rateLimit = new
                updated[field.field] = Self.auditChange(field)
            case .expiresAt(let old, let new):
                try expect(record.expiresAt == old, id, field)
                record.expiresAt = new
                updated[field.field] = Self.auditChange(field)
            case .status(let old, let new):
                try expect(record.status == old && new != .revoked, id, field)
                record.status = new
                status[field.field] = Self.auditChange(field)
            case .generation(let old, let new):
                try expect(record.generation == old, id, field)
                record.generation = new
                updated[field.field] = Self.auditChange(field)
            case .rotateDueAt(let old, let new):
                try expect(record.rotateDueAt == old, id, field)
                record.rotateDueAt = new
                updated[field.field] = Self.auditChange(field)
            case .protected(let old, let new):
                try expect(record.protected == old, id, field)
                record.protected = new
                updated[field.field] = Self.auditChange(field)
            case .scopes(let old, let new):
                try expect(record.scopes == old, id, field)
                record.scopes = new
                updated[field.field] = Self.auditChange(field)
            case .allowedIPs(let old, let new):
                try expect(record.allowedIPs == old, id, field)
                record.allowedIPs = new
                updated[field.field] = Self.auditChange(field)
            }
        }
        replace(record)
        for action in change.actions {
            switch action {
            case .update: event(.keyUpdated, record, changes: updated)
            case .rename: event(.keyRenamed, record, changes: renamed)
            case .deactivate: event(.keyDeactivated, record, changes: status)
            case .activate: event(.keyActivated, record, changes: status)
            case .create, .rotate, .revoke:
                throw .malformedChange(team: change.team, name: change.name, reason: "\(action.rawValue) combined with \(change.primaryAction.rawValue)")
            }
        }
    }

    private func expect(_ holds: Bool, _ id: KeyID, _ field: KeyFieldChange) throws(ApplyError) {
        if !holds { throw .planDoesNotMatchState(keyID: id, field: field.field) }
    }

    private func liveRecord(_ id: KeyID) throws(ApplyError) -> KeyRecord {
        guard let index = keyIndex[id] else { throw .unknownKey(id) }
        let record = next.keys[index]
        guard record.status.isLive else { throw .keyAlreadyRevoked(id) }
        return record
    }

    private mutating func replace(_ record: KeyRecord) {
        if let index = keyIndex[record.id] { next.keys[index] = record }
    }

    private mutating func mint(
        _ change: KeyChange, _ newKey: NewKey, prefix: String, minted: inout [MintedKey],
        using generator: inout some RandomNumberGenerator
    ) throws(ApplyError) -> KeyRecord {
        let key: APIKey
        do {
            key = try APIKey.mint(prefix: prefix, using: &generator)
        } catch {
            throw .cannotMint("\(error)")
        }
        var id = KeyID.mint(using: &generator)
        while keyIndex[id] != nil { id = KeyID.mint(using: &generator) }
        var record = KeyRecord(
            id: id, team: change.team, name: change.name, generation: newKey.generation,
            hash: key.hash, preview: key.preview, createdAt: now, createdBy: context.actor,
            expiresAt: newKey.expiration?.resolve(createdAt: now), rateLimit: newKey.rateLimit,
            description: newKey.description, owner: newKey.owner, status: newKey.status,
            sealedFile: SealedFile.name(serial: serial, team: change.team),
            scopes: newKey.scopes, allowedIPs: newKey.allowedIPs)
        record.rotateDueAt = newKey.rotateEvery.map { now.addingTimeInterval(TimeInterval($0.seconds)) }
        record.protected = newKey.protected
        keyIndex[id] = next.keys.count
        next.keys.append(record)
        minted.append(MintedKey(key: key, record: record, recipients: newKey.recipients))
        return record
    }

    private mutating func event(_ kind: AuditEvent.Kind, _ record: KeyRecord, changes: [String: AuditChange]) {
        events.append(AuditEvent(
            time: now, event: kind, actor: context.actor, commit: context.commit, serial: serial,
            keyID: record.id, team: record.team, name: record.name, changes: changes))
    }

    /// A new key's fields, from nothing: never the hash, only what the state shows people.
    static func creationFields(_ record: KeyRecord) -> [String: AuditChange] {
        var fields: [String: AuditChange] = [
            "name": AuditChange(from: .null, to: .string(record.name)),
            "generation": AuditChange(from: .null, to: .int(record.generation)),
            "preview": AuditChange(from: .null, to: .string(record.preview.rawValue)),
            "description": AuditChange(from: .null, to: value(record.description)),
            "owner": AuditChange(from: .null, to: value(record.owner)),
            "rate_limit": AuditChange(from: .null, to: .int(record.rateLimit)),
            "expires_at": AuditChange(from: .null, to: value(record.expiresAt)),
            "status": AuditChange(from: .null, to: .string(record.status.rawValue)),
            "sealed_file": AuditChange(from: .null, to: .string(record.sealedFile)),
        ]
        // Only a restricted, scheduled or protected key names those fields: any other key's
        // event stays as it was (as the state writes them only when set).
        if let scopes = record.scopes { fields["scopes"] = AuditChange(from: .null, to: .strings(scopes.map(\.rawValue))) }
        if let ips = record.allowedIPs { fields["allowed_ips"] = AuditChange(from: .null, to: .strings(ips.map(\.description))) }
        if let due = record.rotateDueAt { fields["rotate_due_at"] = AuditChange(from: .null, to: value(due)) }
        if record.protected { fields["protected"] = AuditChange(from: .null, to: .bool(true)) }
        return fields
    }

    static func auditChange(_ field: KeyFieldChange) -> AuditChange {
        switch field {
        case .name(let o, let n): AuditChange(from: .string(o), to: .string(n))
        case .description(let o, let n), .owner(let o, let n): AuditChange(from: value(o), to: value(n))
        case .rateLimit(let o, let n), .generation(let o, let n): AuditChange(from: .int(o), to: .int(n))
        case .expiresAt(let o, let n), .rotateDueAt(let o, let n): AuditChange(from: value(o), to: value(n))
        case .protected(let o, let n): AuditChange(from: .bool(o), to: .bool(n))
        case .status(let o, let n): AuditChange(from: .string(o.rawValue), to: .string(n.rawValue))
        case .scopes(let o, let n): AuditChange(from: list(o?.map(\.rawValue)), to: list(n?.map(\.rawValue)))
        case .allowedIPs(let o, let n): AuditChange(from: list(o?.map(\.description)), to: list(n?.map(\.description)))
        }
    }

    static func value(_ text: String?) -> AuditValue { text.map(AuditValue.string) ?? .null }

    /// A list field (`scopes`, `allowed_ips`): `null` for unrestricted, else the texts.
    static func list(_ texts: [String]?) -> AuditValue { texts.map(AuditValue.strings) ?? .null }

    /// Who can open the new key's sealed file: the audit trail of who received which key.
    static func sealedTo(_ newKey: NewKey) -> [String] { Array(Set(newKey.recipients.map(\.description))).sorted() }
    static func value(_ date: Date?) -> AuditValue { date.map { .string(Timestamp.format($0)) } ?? .null }
}
