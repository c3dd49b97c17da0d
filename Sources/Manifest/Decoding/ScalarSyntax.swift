/// How manifest scalars are read, by the type their field expects. Works on raw UTF-8 bytes so
/// the hot loop makes no `String` it does not keep.
enum ScalarSyntax {
    /// Plain scalars YAML would read as null: empty, `~`, `null`.
    static func isNull(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        switch b.count {
        case 0: return true
        case 1: return b[0] == UInt8(ascii: "~")
        case 4: return equalsIgnoringASCIICase(b, "null")
        default: return false
        }
    }

    /// What YAML 1.1 would have taken for a boolean: accepted nowhere except as `true`/`false`.
    static func looksBoolean(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for word in ["y", "n", "yes", "no", "on", "off", "true", "false"]
        where equalsIgnoringASCIICase(b, word) {
            return true
        }
        return false
    }

    static func equals(_ b: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard b.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for i in 0..<b.count where b[i] != w[i] { return false }
        return true
    }

    static func equalsIgnoringASCIICase(_ b: UnsafeBufferPointer<UInt8>, _ word: String) -> Bool {
        var i = 0
        for c in word.utf8 {
            guard i < b.count else { return false }
            var x = b[i]
            if x >= 65 && x <= 90 { x += 32 }
            if x != c { return false }
            i += 1
        }
        return i == b.count
    }

    enum IntegerParse: Equatable {
        case value(Int)
        /// Digits, but too many for any field's range.
        case tooLarge(negative: Bool)
        case notInteger
    }

    /// `-?[0-9]+`, nothing else (no `+`, `0x`, `1_000` or `1e3`).
    static func integer(_ b: UnsafeBufferPointer<UInt8>) -> IntegerParse {
        var i = 0
        var negative = false
        if b.count > 0 && b[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        guard i < b.count else { return .notInteger }
        var value = 0
        var tooLarge = false
        while i < b.count {
            let d = b[i] &- 48
            guard d < 10 else { return .notInteger }
            if !tooLarge {
                value = value * 10 + Int(d)
                if value > 1_000_000_000_000 { tooLarge = true }
            }
            i += 1
        }
        if tooLarge { return .tooLarge(negative: negative) }
        return .value(negative ? -value : value)
    }

    /// Team, key and plan names: lowercase letters, digits, `-`, `_`, `.`; 1–63 bytes.
    static func isValidName(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count >= 1 && b.count <= 63 else { return false }
        for c in b {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                continue
            default:
                return false
            }
        }
        return true
    }

    static func isValidName(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { isValidName($0) }
    }

    /// The key prefix: ASCII letters and digits, 1–16 characters.
    static func isValidPrefix(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count >= 1 && u.count <= 16 else { return false }
        return u.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
    }

    /// A light check that catches slips (a name instead of an address), not full RFC 5322.
    static func isPlausibleEmail(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let at = u.firstIndex(of: UInt8(ascii: "@")), at > 0, at < u.count - 1,
            u.lastIndex(of: UInt8(ascii: "@")) == at
        else { return false }
        let domain = u[(at + 1)...]
        guard domain.contains(UInt8(ascii: ".")), domain.first != UInt8(ascii: "."),
            domain.last != UInt8(ascii: ".")
        else { return false }
        return !u.contains { $0 <= 32 || $0 == 127 }
    }
}
