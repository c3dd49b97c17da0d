import KeysyncCore
import Foundation

/// How a text value is checked. Each rule names the decoder's check and the regular expression
/// the schema gives editors; `ManifestSchemaTests` holds the two to the same answers.
enum TextRule: Sendable, CaseIterable {
    /// Any text.
    case any
    /// Team, key and plan names.
    case name
    /// The key prefix.
    case prefix
    /// An email address, checked lightly.
    case email
    /// An age X25519 recipient (`age1...`, Bech32).
    case recipient
    /// `expires:` — a date or an RFC 3339 timestamp.
    case date
    /// A period such as `90d`: a positive number and a unit.
    case period
    /// A scope a key grants: `resource:action`, `resource:*` or `*`.
    case scope
    /// An IPv4 or IPv6 address or CIDR range.
    case ipRange

    /// An ECMA-262 pattern (as JSON Schema uses) accepting what the decoder accepts. For dates,
    /// periods, recipients and IP ranges it is a shape check: the decoder also refuses impossible days,
    /// periods over 100 years and bad Bech32 checksums.
    var pattern: String? {
        switch self {
        case .any: return nil
        case .name: return "^[a-z0-9._-]{1,63}$"
        case .prefix: return "^[A-Za-z0-9]{1,16}$"
        case .email:
            return #"^[^@\x00-\x20\x7f]+@[^@.\x00-\x20\x7f][^@\x00-\x20\x7f]*\.[^@\x00-\x20\x7f]*[^@.\x00-\x20\x7f]$"#
        case .recipient: return "^(age1[02-9ac-hj-np-z]{58}|AGE1[02-9AC-HJ-NP-Z]{58})$"
        case .date:
            return #"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"#
        case .period: return "^[0-9]*[1-9][0-9]*[smhdw]$"
        case .scope: return #"^(\*|[a-z0-9][a-z0-9._-]{0,62}:(\*|[a-z0-9][a-z0-9._-]{0,62}))$"#
        case .ipRange:
            return #"^([0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(/[0-9]{1,3})?)$"#
        }
    }

    /// The decoder's own check, exactly as `keysync validate` applies it.
    func accepts(_ text: String) -> Bool {
        switch self {
        case .any: return true
        case .name: return ScalarSyntax.isValidName(text)
        case .prefix: return ScalarSyntax.isValidPrefix(text)
        case .email: return ScalarSyntax.isPlausibleEmail(text)
        case .recipient: return (try? validateRecipient(text).get()) != nil
        case .date: return Timestamp.parseDateOrTimestamp(text) != nil
        case .period: return Period(parsing: text) != nil
        case .scope: return (try? Scope(parsing: text)) != nil
        case .ipRange: return (try? IPAddressRange(parsing: text)) != nil
        }
    }
}
