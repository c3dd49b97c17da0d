/// A key nobody hears about before it expires: it has no owner, and its team has neither an
/// owner nor contacts. `keysync validate` warns about it (`no-owner`) and a plan notes it; both
/// ask this one rule and say it in the same words.
public enum UnownedKey {
    /// Whether nobody is told before the key expires.
    public static func applies(
        keyOwner: Located<String>?, teamOwner: Located<String>?, teamContacts: [Located<String>]
    ) -> Bool {
        keyOwner == nil && teamOwner == nil && teamContacts.isEmpty
    }

    public static func message(team: String, key: String) -> String {
        "key \(team)/\(key) has no owner, and its team has neither owner nor contacts"
    }

    public static let hint =
        "add `owner:` to the key or `owner:`/`contacts:` to the team, so someone hears before it expires"
}
