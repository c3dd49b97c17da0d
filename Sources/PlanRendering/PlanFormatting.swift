import Reconciler
import Manifest
import Foundation

/// The words and lines the text and Markdown renderings share, so both say the same thing.
/// Everything here is derived from the plan's non-secret fields: ids, previews, manifest values.
enum PlanFormatting {
    static func symbol(_ change: KeyChange) -> String { symbol(change.primaryAction) }

    /// The symbol of a change whose first action is `action`.
    static func symbol(_ action: KeyAction) -> String {
        switch action {
        case .create: "+"
        case .rotate: "-/+"
        case .revoke: "-"
        case .update, .rename, .deactivate, .activate: "~"
        }
    }

    /// "1 team change", "3 team changes" (with `grouped`, "20,000 team changes").
    static func teamChangesText(_ count: Int, grouped: Bool = false) -> String {
        count == 1 ? "1 team change" : "\(grouped ? CountText.grouped(count) : String(count)) team changes"
    }

    static func symbol(_ change: TeamChange) -> String {
        switch change.action {
        case .add: "+"
        case .update: "~"
        case .remove: "-"
        }
    }

    static func participle(_ action: KeyAction) -> String {
        switch action {
        case .create: "created"
        case .update: "updated"
        case .rename: "renamed"
        case .deactivate: "deactivated"
        case .activate: "activated"
        case .rotate: "rotated"
        case .revoke: "revoked"
        }
    }

    /// "renamed and updated", "renamed, updated and deactivated".
    static func verbs(_ change: KeyChange) -> String {
        let words = change.actions.map(participle)
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " and " + words.last!
    }

    /// `payments/checkout → checkout-api` for a rename, else `payments/checkout-api`.
    static func keyTitle(_ change: KeyChange) -> String {
        if let old = change.previousName { return "\(change.team)/\(old) → \(change.name)" }
        return "\(change.team)/\(change.name)"
    }

    /// `key_abc, thig_G1x2...7kPm`: how reviewers recognise an existing key.
    static func identity(_ change: KeyChange) -> String? {
        let parts = [change.keyID?.rawValue, change.preview?.rawValue].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    static func headline(_ change: KeyChange) -> String {
        var line = "key \(keyTitle(change))"
        if let identity = identity(change) { line += " (\(identity))" }
        line += " will be \(verbs(change))"
        if change.primaryAction == .revoke, let reason = change.revocation?.reason {
            line += ": \(reasonText(reason))"
        }
        if let reason = change.reason { line += ": \(reasonText(reason))" }
        return line
    }

    static func headline(_ change: TeamChange) -> String {
        switch change.action {
        case .add: "team \(change.team) will be added"
        case .update: "team \(change.team) will be updated"
        case .remove: "team \(change.team) will be removed"
        }
    }

    static func reasonText(_ reason: Revocation.Reason) -> String {
        switch reason {
        case .removedFromManifest: "removed from the manifest"
        case .teamRemoved: "its team was removed from the manifest"
        case .rotated: "replaced by a rotation"
        case .rotationGraceEnded: "its rotation grace period has ended"
        }
    }

    /// Why a change the manifest did not spell out happens (`reason` in JSON: `due`).
    static func reasonText(_ reason: KeyChange.Reason) -> String {
        switch reason {
        case .due: "due (its rotate_every has passed)"
        }
    }

    /// `(label, value)` lines under a key change's headline.
    static func fields(_ change: KeyChange) -> [(String, String)] {
        var lines: [(String, String)] = []
        switch change.primaryAction {
        case .create:
            guard let key = change.newKey else { return [] }
            lines.append(("generation", String(key.generation)))
            if let d = key.description { lines.append(("description", quoted(d))) }
            if let o = key.owner { lines.append(("owner", quoted(o))) }
            lines.append(("rate_limit", String(key.rateLimit)))
            // Shown only when restricted, so a plan without access rules reads as before.
            if let scopes = key.scopes { lines.append(("scopes", accessList(scopes.map(\.rawValue)))) }
            if let ips = key.allowedIPs { lines.append(("allowed_ips", accessList(ips.map(\.description)))) }
            lines.append(("expires", expiration(key.expiration)))
            lines.append(("status", key.status.rawValue))
            if let every = key.rotateEvery { lines.append(("rotate_every", every.text)) }
            if key.protected { lines.append(("protected", "true")) }
            lines.append(("recipients", String(key.recipients.count)))
        case .rotate:
            lines += change.changes.map { ($0.field, arrow($0)) }
            if let key = change.newKey, case .after(let period)? = key.expiration {
                lines.append(("expires", "\(period.text) after creation"))
            }
            if let every = change.newKey?.rotateEvery { lines.append(("rotate_every", "\(every.text) after creation")) }
            if let grace = change.revocation?.grace {
                lines.append(("old key", "keeps working for \(grace.text) after the new key is created, then is revoked"))
            } else {
                lines.append(("old key", "revoked at once"))
            }
            if let key = change.newKey { lines.append(("recipients", String(key.recipients.count))) }
        case .revoke:
            break
        case .update, .rename, .deactivate, .activate:
            lines += change.changes.map { ($0.field, arrow($0)) }
        }
        return lines
    }

    static func fields(_ change: TeamChange) -> [(String, String)] {
        switch change.action {
        case .add:
            guard let after = change.after else { return [] }
            return [("plan", quoted(after.plan)), ("api_access", String(after.apiAccess)),
                    ("owner", optional(after.owner)), ("contacts", list(after.contacts))]
                + recipientLines(change) + (after.protected ? [("protected", "true")] : [])
        case .remove:
            return []
        case .update:
            guard let before = change.before, let after = change.after else { return [] }
            var lines: [(String, String)] = []
            if before.plan != after.plan { lines.append(("plan", "\(quoted(before.plan)) → \(quoted(after.plan))")) }
            if before.apiAccess != after.apiAccess { lines.append(("api_access", "\(before.apiAccess) → \(after.apiAccess)")) }
            if before.owner != after.owner { lines.append(("owner", "\(optional(before.owner)) → \(optional(after.owner))")) }
            if before.contacts != after.contacts { lines.append(("contacts", "\(list(before.contacts)) → \(list(after.contacts))")) }
            lines += recipientLines(change)
            if before.protected != after.protected { lines.append(("protected", "\(before.protected) → \(after.protected)")) }
            return lines
        }
    }

    /// One line per recipient added (`+ age1…`) or removed (`- age1…`): a holder swapped in a
    /// pull request must read as such, not as a count. Every new key of the team is sealed to
    /// the recipients after the change.
    static func recipientLines(_ change: TeamChange) -> [(String, String)] {
        let (added, removed) = change.recipientChanges
        return added.map { ("recipients", "+ \($0)") } + removed.map { ("recipients", "- \($0)") }
    }

    static func arrow(_ change: KeyFieldChange) -> String {
        switch change {
        case .name(let o, let n): "\(quoted(o)) → \(quoted(n))"
        case .description(let o, let n), .owner(let o, let n): "\(optional(o)) → \(optional(n))"
        case .rateLimit(let o, let n), .generation(let o, let n): "\(o) → \(n)"
        case .expiresAt(let o, let n), .rotateDueAt(let o, let n): "\(date(o)) → \(date(n))"
        case .protected(let o, let n): "\(o) → \(n)"
        case .status(let o, let n): "\(o.rawValue) → \(n.rawValue)"
        case .scopes(let o, let n): "\(accessList(o?.map(\.rawValue))) → \(accessList(n?.map(\.rawValue)))"
        case .allowedIPs(let o, let n): "\(accessList(o?.map(\.description))) → \(accessList(n?.map(\.description)))"
        }
    }

    /// `[projects:read, projects:write]`, `[]` (nothing allowed) or `unrestricted` (`nil`).
    /// Scopes and ranges need no quoting: their types admit no space, quote or control character.
    static func accessList(_ values: [String]?) -> String {
        values.map { "[" + $0.joined(separator: ", ") + "]" } ?? "unrestricted"
    }

    static func expiration(_ expiration: Expiration?) -> String {
        switch expiration {
        case nil: "never"
        case .at(let d)?: Timestamp.format(d)
        case .after(let p)?: "\(p.text) after creation"
        }
    }

    static func date(_ date: Date?) -> String { date.map(Timestamp.format) ?? "never" }

    static func optional(_ value: String?) -> String { value.map(quoted) ?? "(none)" }

    static func list(_ values: [String]) -> String { "[" + values.map(quoted).joined(separator: ", ") + "]" }

    /// Double-quoted on one line by the one string escaper, C1 controls included, so a value can
    /// never break the layout or steer the terminal.
    static func quoted(_ s: String) -> String { JSONString.quoted(s, for: .terminal) }

    /// "Plan: 2 to create, 1 to update, 1 to rename, 1 to revoke." — only the actions present.
    static func summaryLine(_ plan: Plan) -> String {
        guard plan.hasChanges else { return "No changes. The state matches the manifest." }
        let summary = plan.summary
        var parts = KeyAction.allCases.compactMap { action -> String? in
            let n = summary.count(of: action)
            return n > 0 ? "\(n) to \(action.rawValue)" : nil
        }
        if summary.teamChanges > 0 { parts.append(teamChangesText(summary.teamChanges)) }
        return "Plan: " + parts.joined(separator: ", ") + "."
    }

    /// Warnings first (they ask for action), then notes.
    static func orderedNotes(_ plan: Plan) -> [PlanNote] {
        plan.notes.filter { $0.severity == .warning } + plan.notes.filter { $0.severity == .note }
    }
}
