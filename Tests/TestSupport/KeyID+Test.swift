import KeysyncCore

extension KeyID {
    /// A valid id named by a short tag, so tests read `.test("a")` instead of 24 characters.
    ///
    /// Letters stay; a digit `d` becomes the letter `d` places after `a` (base32 has no 0, 1, 8
    /// or 9); the rest is padded with `2`, which sorts before every letter, so ids keep the order
    /// of their tags (`a` < `a1` < `a10` < `b`). Tags that differ only by a digit and its letter
    /// (`a1`, `ab`) give the same id.
    public static func test(_ tag: String) -> KeyID {
        let body = tag.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "0"..."9": Character(UnicodeScalar(scalar.value - 48 + 97)!)
            default: Character(scalar)
            }
        }
        let text = prefix + String(body) + String(repeating: "2", count: max(0, randomLength - body.count))
        guard let id = KeyID(rawValue: text) else { preconditionFailure("not a test key id tag: \(tag)") }
        return id
    }
}
