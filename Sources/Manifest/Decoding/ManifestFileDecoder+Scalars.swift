import KeysyncCore
import Foundation

/// Scalars read by the type their field expects, each problem reported where it is written.
extension ManifestFileDecoder {
    mutating func readString(_ v: YAMLEvent, field: String) throws(Stop) -> Located<String>? {
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

    mutating func readName(_ v: YAMLEvent, field: String) throws(Stop) -> Located<String>? {
        guard v.kind == .scalar, !(v.isPlain && ScalarSyntax.isNull(v.bytes)) else {
            return try readString(v, field: field)
        }
        let name = Located(String(decoding: v.bytes, as: UTF8.self), at: location(v))
        if !ScalarSyntax.isValidName(v.bytes) { invalidName(field, name.value, at: name.location) }
        return name
    }

    mutating func readEmail(_ v: YAMLEvent, field: String) throws(Stop) -> Located<String>? {
        guard let s = try readString(v, field: field) else { return nil }
        if !ScalarSyntax.isPlausibleEmail(s.value) {
            report(.invalidEmail, "\(field) \"\(s.value)\" is not an email address",
                   hint: "write an address such as alice@example.com", at: s.location)
        }
        return s
    }

    mutating func readStringList(
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

    mutating func readInteger(
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

    mutating func readRateLimit(_ v: YAMLEvent) throws(Stop) -> Located<Int>? {
        guard let n = try readInteger(v, field: "rate_limit") else { return nil }
        guard KeyDefaults.rateLimitRange.contains(n.value) else {
            let text = String(decoding: v.bytes, as: UTF8.self)
            report(.rateLimitRange, "rate limit \(text) is out of range",
                   hint: "use 1 to 10000 requests per minute", at: n.location)
            return nil
        }
        return n
    }

    mutating func readBool(_ v: YAMLEvent, field: String) throws(Stop) -> Bool? {
        if v.kind == .scalar, v.isPlain {
            if ScalarSyntax.equals(v.bytes, "true") { return true }
            if ScalarSyntax.equals(v.bytes, "false") { return false }
        }
        wrongType(field, expected: "true or false", got: v)
        try skip(v)
        return nil
    }

    mutating func readDate(_ v: YAMLEvent) throws(Stop) -> Located<Date>? {
        guard let s = try readString(v, field: "expires") else { return nil }
        guard let date = Timestamp.parseDateOrTimestamp(s.value) else {
            report(.invalidDate, "expires \"\(s.value)\" is not a valid date",
                   hint: "write a date like 2027-03-01 (end of that day, UTC) or an RFC 3339 timestamp like 2027-03-01T12:00:00Z",
                   at: s.location)
            return nil
        }
        return Located(date, at: s.location)
    }

    /// `expires:` (a date, `period` false) or `expires_in:` (a period), as the one expiry type.
    mutating func readExpiration(_ v: YAMLEvent, period: Bool) throws(Stop) -> Located<Expiration>? {
        if period {
            return try readPeriod(v, field: "expires_in").map { Located(.after($0.value), at: $0.location) }
        }
        return try readDate(v).map { Located(.at($0.value), at: $0.location) }
    }

    mutating func readPeriod(_ v: YAMLEvent, field: String) throws(Stop) -> Located<Period>? {
        guard let s = try readString(v, field: field) else { return nil }
        guard let period = Period(parsing: s.value) else {
            report(.invalidPeriod, "\(field) \"\(s.value)\" is not a valid period",
                   hint: "write a positive number and a unit: s, m, h, d or w (e.g. 90d, 12h, 52w), at most 100 years",
                   at: s.location)
            return nil
        }
        return Located(period, at: s.location)
    }
}
