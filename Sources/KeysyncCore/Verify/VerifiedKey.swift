import Foundation

/// What a server needs to know about a key it accepted (or, for keys it refused after the
/// lookup, which key it was — for its own logs, not for the caller). Never the raw key.
///
/// Why the fields sit behind one reference: `KeyVerifier.verify` hands out a copy for every
/// request, and at 100k keys a copy that retained five strings touched five scattered cache
/// lines; one shared, immutable box is one retain. A value as before: setting a field gives
/// this copy a box of its own.
public struct VerifiedKey: Sendable, Hashable {
    /// The fields as one plain value: equality and hashing are its synthesised ones.
    private struct Values: Sendable, Hashable {
        var id: KeyID
        var team: String
        var name: String
        var owner: String?
        var rateLimit: Int
        var expiresAt: Date?
        var preview: KeyPreview
    }

    private final class Box: Sendable {
        let values: Values
        init(_ values: Values) { self.values = values }
    }

    private var box: Box

    /// Gives this copy a box of its own with one field changed.
    private mutating func edit(_ change: (inout Values) -> Void) {
        var values = box.values
        change(&values)
        box = Box(values)
    }

    public var id: KeyID {
        get { box.values.id }
        set { edit { $0.id = newValue } }
    }
    public var team: String {
        get { box.values.team }
        set { edit { $0.team = newValue } }
    }
    public var name: String {
        get { box.values.name }
        set { edit { $0.name = newValue } }
    }
    /// The key's owner, or its team's owner when the key names none.
    public var owner: String? {
        get { box.values.owner }
        set { edit { $0.owner = newValue } }
    }
    /// Requests per minute.
    public var rateLimit: Int {
        get { box.values.rateLimit }
        set { edit { $0.rateLimit = newValue } }
    }
    /// `nil`: never expires.
    public var expiresAt: Date? {
        get { box.values.expiresAt }
        set { edit { $0.expiresAt = newValue } }
    }
    /// `thig_G1x2...7kPm`, as in the state.
    public var preview: KeyPreview {
        get { box.values.preview }
        set { edit { $0.preview = newValue } }
    }

    public init(id: KeyID, team: String, name: String, owner: String?, rateLimit: Int, expiresAt: Date?, preview: KeyPreview) {
        box = Box(Values(id: id, team: team, name: name, owner: owner, rateLimit: rateLimit, expiresAt: expiresAt, preview: preview))
    }

    /// Field by field, as the synthesised conformance compared them.
    public static func == (lhs: VerifiedKey, rhs: VerifiedKey) -> Bool {
        lhs.box === rhs.box || lhs.box.values == rhs.box.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(box.values)
    }
}
