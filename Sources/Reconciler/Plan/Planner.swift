import Foundation
import AgeFormat
import Manifest

/// The diff: a pure function of (manifest, state, clock) into a `Plan`.
///
/// Keys are matched by team and name, following `renamed_from` to a live key. Revoked keys are
/// never matched (a re-added name gets a new key). Keys retiring after a rotation are revoked
/// once their grace ended, or at once when their entry is gone.
///
/// A key with `rotate_every` is rotated on its own (reason `due`) once its current key is that
/// old; the replacement keeps the generation (the manifest's `rotate`), so a later `rotate`
/// bump still rotates. Revoking a key or removing a team that the state records as protected
/// is an error (`key-protected`, `team-protected`); a rotation is not a revocation of the key.
public enum Planner {
    /// How far ahead `expiring-soon` warnings look by default: a week, as users expect.
    public static let defaultWarnWithin: TimeInterval = 7 * 86_400

    /// Errors in the diagnostics (an absolute expiry already past on a key to be created) mean
    /// the plan must not be applied; warnings (a lowered `rotate`) do not. Past
    /// `revocationLimit` the plan carries a `revocation-limit` warning for reviewers: apply will
    /// refuse it unless the limit is raised.
    public static func plan(
        manifest: Manifest, state: StateFile, now: Date, warnWithin: TimeInterval = defaultWarnWithin,
        revocationLimit: RevocationLimit = RevocationLimit()
    ) -> (plan: Plan, diagnostics: [Diagnostic]) {
        var run = PlannerRun(manifest: manifest, state: state, now: now, warnWithin: warnWithin)
        run.planTeams()
        run.planKeys()
        var plan = Plan(
            lineage: state.lineage, serial: state.serial, manifestDigest: manifest.digest,
            prefix: manifest.prefix.value, plannedAt: now, teamChanges: run.teamChanges,
            keyChanges: run.keyChanges, notes: run.notes)
        if let note = revocationLimit.note(for: plan) { plan = plan.adding(note) }
        return (plan, run.diagnostics.sortedByLocation())
    }
}

/// One planning pass's working values; never escapes `Planner.plan`.
struct PlannerRun {
    let manifest: Manifest
    let state: StateFile
    let now: Date
    let warnWithin: TimeInterval
    var teamChanges: [TeamChange] = []
    var keyChanges: [KeyChange] = []
    var notes: [PlanNote] = []
    var diagnostics: [Diagnostic] = []

    init(manifest: Manifest, state: StateFile, now: Date, warnWithin: TimeInterval) {
        self.manifest = manifest
        self.state = state
        self.now = now
        self.warnWithin = warnWithin
    }

    func tier(for team: Team) -> Tier? {
        manifest.plans[team.plan.value]
    }

    mutating func planTeams() {
        let declared = Set(manifest.teams.map(\.name.value))
        let recorded = Dictionary(state.teams.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // Teams share a few recipients; each is Bech32-encoded once, not once per team.
        var recipientTexts: [AgeRecipient: RecipientText] = [:]
        func text(_ recipient: AgeRecipient) -> RecipientText {
            if let known = recipientTexts[recipient] { return known }
            let text = RecipientText(recipient)
            recipientTexts[recipient] = text
            return text
        }
        for team in manifest.teams {
            var desired = TeamRecord(
                name: team.name.value, plan: team.plan.value,
                apiAccess: tier(for: team)?.apiAccess ?? true,
                owner: team.owner?.value, contacts: team.contacts.map(\.value),
                recipients: Array(Set(team.recipients.map { text($0.value) })).sorted())
            desired.protected = team.protect
            switch recorded[team.name.value] {
            case nil:
                teamChanges.append(TeamChange(team: desired.name, action: .add, before: nil, after: desired, location: team.location))
            case let existing? where existing != desired:
                teamChanges.append(TeamChange(team: desired.name, action: .update, before: existing, after: desired, location: team.location))
            default:
                break
            }
        }
        for record in state.teams where !declared.contains(record.name) {
            teamChanges.append(TeamChange(team: record.name, action: .remove, before: record, after: nil))
            if record.protected { refuseTeamRemoval(record) }
        }
    }

    mutating func planKeys() {
        let live = Dictionary(grouping: state.keys.filter { $0.status.isLive }, by: \.team)
        for team in manifest.teams {
            planKeys(of: team, live: live[team.name.value] ?? [])
        }
        let declared = Set(manifest.teams.map(\.name.value))
        for (teamName, records) in live where !declared.contains(teamName) {
            for record in records {
                revoke(record, reason: .teamRemoved)
            }
        }
    }

    mutating func planKeys(of team: Team, live: [KeyRecord]) {
        var current: [String: KeyRecord] = [:]
        for record in live where record.isCurrent { current[record.name] = record }
        let declaredNames = Set(team.keys.map(\.name.value))
        var claimed: Set<KeyID> = []
        var activeKeys = 0

        for declaration in team.keys {
            var match = current[declaration.name.value]
            if match == nil, let old = declaration.renamedFrom?.value, !declaredNames.contains(old) {
                match = current[old]
            }
            if let record = match, claimed.insert(record.id).inserted {
                activeKeys += diff(declaration, against: record, in: team) ? 1 : 0
            } else {
                activeKeys += create(declaration, in: team) ? 1 : 0
            }
            if UnownedKey.applies(keyOwner: declaration.owner, teamOwner: team.owner, teamContacts: team.contacts) {
                notes.append(PlanNote(
                    kind: .noOwner, team: team.name.value, key: declaration.name.value,
                    message: UnownedKey.message(team: team.name.value, key: declaration.name.value),
                    hint: UnownedKey.hint, location: declaration.location))
            }
        }

        for record in live where record.isCurrent && !claimed.contains(record.id) {
            revoke(record, reason: .removedFromManifest)
        }
        let referenced = declaredNames.union(team.keys.compactMap { $0.renamedFrom?.value })
        for record in live where record.isRetiring {
            if let after = record.revokeAfter, now >= after {
                revoke(record, reason: .rotationGraceEnded)
            } else if !referenced.contains(record.name) {
                revoke(record, reason: .removedFromManifest)
            }
        }

        if activeKeys > 0, let definition = tier(for: team), !definition.apiAccess {
            let count = activeKeys == 1 ? "1 active key" : "\(activeKeys) active keys"
            notes.append(PlanNote(
                kind: .noAPIAccess, team: team.name.value,
                message: "team \(team.name.value) is on plan \(definition.name), which has no API access: its \(count) will be refused (403)",
                hint: "move the team to a plan with API access, or deactivate its keys",
                location: team.plan.location))
        }
    }

    func newKey(_ declaration: KeyDeclaration, in team: Team) -> NewKey {
        NewKey(
            generation: declaration.rotate, description: declaration.description?.value,
            owner: declaration.owner?.value, rateLimit: declaration.rateLimit.value,
            expiration: declaration.expiration?.value,
            status: declaration.active ? .active : .inactive,
            recipients: team.recipients.map(\.value),
            rotateEvery: declaration.rotateEvery?.value, protected: declaration.protect,
            scopes: declaration.scopes?.value, allowedIPs: declaration.allowedIPs?.value)
    }

    /// Whether `rotate_every` asks for a rotation now: the current key reached `dueAt`, it is
    /// active (an inactive key is rotated once it is activated again), and its declared expiry
    /// is not a fixed instant already past (that key is expired, not due; the plan notes it).
    func isDue(_ declaration: KeyDeclaration, at dueAt: Date?) -> Bool {
        guard let dueAt, dueAt <= now, declaration.active else { return false }
        if case .at(let date)? = declaration.expiration?.value, date <= now { return false }
        return true
    }

    /// An absolute expiry in the past cannot be minted; reports it and returns false.
    mutating func checkNotAlreadyExpired(_ declaration: KeyDeclaration, in team: Team) -> Bool {
        guard let located = declaration.expiration, case .at(let date) = located.value, date <= now
        else { return true }
        diagnostics.append(.error(
            .expiresInPast,
            "key \(team.name.value)/\(declaration.name.value) would be created already expired (expires \(Timestamp.format(date)))",
            hint: "set a later `expires`, use `expires_in`, or remove the key",
            at: located.location))
        return false
    }

    /// Returns whether the key will be active after the plan.
    mutating func create(_ declaration: KeyDeclaration, in team: Team) -> Bool {
        guard checkNotAlreadyExpired(declaration, in: team) else { return false }
        let key = newKey(declaration, in: team)
        keyChanges.append(KeyChange(
            team: team.name.value, name: declaration.name.value, actions: [.create],
            newKey: key, location: declaration.location))
        if key.status == .active, let expiration = key.expiration {
            warnIfExpiringSoon(team: team.name.value, name: declaration.name.value, keyID: nil,
                               expiresAt: expiration.resolve(createdAt: now), location: declaration.location)
        }
        return key.status == .active
    }

    /// Returns whether the key will be active after the plan.
    mutating func diff(_ declaration: KeyDeclaration, against record: KeyRecord, in team: Team) -> Bool {
        let teamName = team.name.value
        let name = declaration.name.value
        let status: KeyStatus = declaration.active ? .active : .inactive

        let rotateDueAt = declaration.rotateEvery.map { record.createdAt.addingTimeInterval(TimeInterval($0.value.seconds)) }
        let raised = declaration.rotate > record.generation
        if raised || isDue(declaration, at: rotateDueAt) {
            guard checkNotAlreadyExpired(declaration, in: team) else { return false }
            var key = newKey(declaration, in: team)
            // A scheduled rotation keeps the generation: it counts the manifest's `rotate`, so
            // the next bump of `rotate` is still above it.
            key.generation = max(declaration.rotate, record.generation)
            var changes: [KeyFieldChange] = []
            if key.generation != record.generation { changes.append(.generation(old: record.generation, new: key.generation)) }
            changes += fieldChanges(record, name: name, description: key.description, owner: key.owner,
                                    rateLimit: key.rateLimit, status: status)
            if record.protected != key.protected { changes.append(.protected(old: record.protected, new: key.protected)) }
            changes += accessChanges(record, declaration)
            switch key.expiration {
            case .at(let date)?: if record.expiresAt != date { changes.append(.expiresAt(old: record.expiresAt, new: date)) }
            case nil: if record.expiresAt != nil { changes.append(.expiresAt(old: record.expiresAt, new: nil)) }
            case .after?: break  // resolved against the replacement's creation; shown from `newKey`
            }
            var rotation = KeyChange(
                team: teamName, name: name, actions: [.rotate], keyID: record.id,
                previousName: record.name == name ? nil : record.name, preview: record.preview,
                changes: changes, newKey: key,
                revocation: Revocation(reason: .rotated, grace: declaration.rotateGrace?.value),
                location: declaration.location)
            if !raised { rotation.reason = .due }
            keyChanges.append(rotation)
            if status == .active, let expiration = key.expiration {
                warnIfExpiringSoon(team: teamName, name: name, keyID: nil,
                                   expiresAt: expiration.resolve(createdAt: now), location: declaration.location)
            }
            return status == .active
        }

        if declaration.rotate < record.generation {
            diagnostics.append(.warning(
                .rotateLowered,
                "key \(teamName)/\(name) says rotate: \(declaration.rotate), but its key is already at generation \(record.generation); lowering it changes nothing",
                hint: "set rotate back to \(record.generation), or raise it above to rotate again",
                at: declaration.location))
        }

        let expiresAt = declaration.expiration?.value.resolve(createdAt: record.createdAt)
        var changes = fieldChanges(record, name: name, description: declaration.description?.value,
                                   owner: declaration.owner?.value, rateLimit: declaration.rateLimit.value,
                                   status: status)
        changes += accessChanges(record, declaration)
        if record.expiresAt != expiresAt { changes.append(.expiresAt(old: record.expiresAt, new: expiresAt)) }
        if record.rotateDueAt != rotateDueAt { changes.append(.rotateDueAt(old: record.rotateDueAt, new: rotateDueAt)) }
        if record.protected != declaration.protect { changes.append(.protected(old: record.protected, new: declaration.protect)) }

        var actions: [KeyAction] = []
        for change in changes {
            switch change {
            case .name: actions.append(.rename)
            case .description, .owner, .rateLimit, .expiresAt, .rotateDueAt, .protected, .scopes, .allowedIPs: actions.append(.update)
            case .status(_, let new): actions.append(new == .active ? .activate : .deactivate)
            case .generation: break
            }
        }
        if !actions.isEmpty {
            keyChanges.append(KeyChange(
                team: teamName, name: name, actions: actions, keyID: record.id,
                previousName: record.name == name ? nil : record.name, preview: record.preview,
                changes: changes, location: declaration.location))
        }

        if status == .active, let expiresAt {
            if expiresAt <= now {
                notes.append(PlanNote(
                    kind: .expired, team: teamName, key: name, keyID: record.id,
                    message: "key \(teamName)/\(name) expired at \(Timestamp.format(expiresAt)): it no longer works",
                    hint: "extend it (a later `expires` or a longer `expires_in`) or remove it",
                    location: declaration.expiration?.location ?? declaration.location))
            } else {
                warnIfExpiringSoon(team: teamName, name: name, keyID: record.id, expiresAt: expiresAt,
                                   location: declaration.expiration?.location ?? declaration.location)
            }
        }
        return status == .active
    }

    func fieldChanges(
        _ record: KeyRecord, name: String, description: String?, owner: String?, rateLimit: Int,
        status: KeyStatus
    ) -> [KeyFieldChange] {
        var changes: [KeyFieldChange] = []
        if record.name != name { changes.append(.name(old: record.name, new: name)) }
        if record.description != description { changes.append(.description(old: record.description, new: description)) }
        if record.owner != owner { changes.append(.owner(old: record.owner, new: owner)) }
        if record.rateLimit != rateLimit { changes.append(.rateLimit(old: record.rateLimit, new: rateLimit)) }
        if record.status != status { changes.append(.status(old: record.status, new: status)) }
        return changes
    }

    /// The key's `scopes` and `allowed_ips` against the manifest's resolved ones: each list is
    /// sorted on both sides, so only a real change (not a reordering) shows.
    func accessChanges(_ record: KeyRecord, _ declaration: KeyDeclaration) -> [KeyFieldChange] {
        var changes: [KeyFieldChange] = []
        let scopes = declaration.scopes?.value, allowedIPs = declaration.allowedIPs?.value
        if record.scopes != scopes { changes.append(.scopes(old: record.scopes, new: scopes)) }
        if record.allowedIPs != allowedIPs { changes.append(.allowedIPs(old: record.allowedIPs, new: allowedIPs)) }
        return changes
    }

    mutating func warnIfExpiringSoon(team: String, name: String, keyID: KeyID?, expiresAt: Date, location: SourceLocation?) {
        guard expiresAt > now, expiresAt.timeIntervalSince(now) <= warnWithin else { return }
        notes.append(PlanNote(
            kind: .expiringSoon, team: team, key: name, keyID: keyID,
            message: "key \(team)/\(name) expires at \(Timestamp.format(expiresAt)), in \(PlannerRun.span(expiresAt.timeIntervalSince(now)))",
            hint: "extend it or plan its replacement",
            location: location))
    }

    mutating func revoke(_ record: KeyRecord, reason: Revocation.Reason) {
        // A retiring key is an old generation leaving after its rotation, not the key itself.
        if record.protected && record.isCurrent { refuseRevocation(of: record, reason: reason) }
        keyChanges.append(KeyChange(
            team: record.team, name: record.name, actions: [.revoke], keyID: record.id,
            preview: record.preview, revocation: Revocation(reason: reason)))
    }

    /// `3d 4h`, `5h 10m`, `42m`: coarse, for people.
    static func span(_ interval: TimeInterval) -> String {
        let total = Int(interval)
        let days = total / 86_400, hours = (total % 86_400) / 3_600, minutes = (total % 3_600) / 60
        if days > 0 { return hours > 0 ? "\(days)d \(hours)h" : "\(days)d" }
        if hours > 0 { return minutes > 0 ? "\(hours)h \(minutes)m" : "\(hours)h" }
        return minutes > 0 ? "\(minutes)m" : "\(total)s"
    }
}
