import AgeFormat
import KeysyncCore

/// A team: who owns keys, which plan caps them, and who can open their sealed files.
public struct Team: Sendable, Equatable {
    public var name: Located<String>
    public var plan: Located<String>
    public var owner: Located<String>?
    /// Emails for expiry notices.
    public var contacts: [Located<String>]
    /// age X25519 recipients (`age1...`), parsed once when the manifest is read; new keys are
    /// sealed to all.
    public var recipients: [Located<AgeRecipient>]
    /// In manifest order.
    public var keys: [KeyDeclaration]
    /// `protect: true`: a plan that would remove the team (and so revoke its keys) is refused
    /// once apply recorded it.
    public var protect: Bool = false
    /// Where the team's entry starts.
    public var location: SourceLocation
    /// Scopes for the team's keys that set none; `nil`: the plan's (or none).
    public var scopes: Located<[Scope]>? = nil
    /// Networks for the team's keys that set no `allowed_ips`; `nil`: anywhere.
    public var allowedIPs: Located<[IPAddressRange]>? = nil

    public init(
        name: Located<String>, plan: Located<String>, owner: Located<String>? = nil,
        contacts: [Located<String>] = [], recipients: [Located<AgeRecipient>] = [],
        keys: [KeyDeclaration] = [], location: SourceLocation,
        scopes: Located<[Scope]>? = nil, allowedIPs: Located<[IPAddressRange]>? = nil
    ) {
        self.name = name
        self.plan = plan
        self.owner = owner
        self.contacts = contacts
        self.recipients = recipients
        self.keys = keys
        self.location = location
        self.scopes = scopes
        self.allowedIPs = allowedIPs
    }
}
