import Foundation

/// The one time module: RFC 3339 timestamps, written with whole seconds in UTC
/// (`2026-11-25T09:00:00Z`), read strictly wherever keysync reads a time (state, audit log,
/// manifest expiries, `KEYSYNC_NOW`).
///
/// The canonical form (the only one keysync writes) is read and written by a few lines of
/// calendar arithmetic, since a state of 100k keys holds several hundred thousand of them;
/// Foundation's ISO 8601 style is the reference the tests compare with. Other RFC 3339 forms
/// (an offset, a fraction of a second) are read by the strict parser below, which refuses
/// impossible dates and times (`2027-02-30`, `T61:00:00`) where Foundation would roll them over.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        if let fast = formatCanonical(date) { return fast }
        return date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    /// Accepts `Z` or a numeric offset, with or without fractional seconds; `nil` for anything
    /// else, impossible dates and times included.
    public static func parse(_ text: String) -> Date? {
        if let fast = parseCanonical(text) { return fast }
        return parseRFC3339(Array(text.utf8), allowingDateOnly: false)
    }

    /// A manifest's `expires:`: an RFC 3339 timestamp as `parse` reads it, or a bare date
    /// (`2027-03-01`), which means the last second of that day in UTC, because "expires on the
    /// 1st" should still work on the 1st.
    public static func parseDateOrTimestamp(_ text: String) -> Date? {
        if let fast = parseCanonical(text) { return fast }
        return parseRFC3339(Array(text.utf8), allowingDateOnly: true)
    }

    /// RFC 3339: `YYYY-MM-DD`, `T`/`t`/space, `hh:mm:ss`, an optional fraction, `Z`/`z` or
    /// `±hh:mm`; every field in range.
    private static func parseRFC3339(_ b: [UInt8], allowingDateOnly: Bool) -> Date? {
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var n = 0
            for i in start..<(start + count) {
                let d = b[i] &- 48
                guard d < 10 else { return nil }
                n = n * 10 + Int(d)
            }
            return n
        }
        guard b.count >= 10, let year = number(0, 4), b[4] == UInt8(ascii: "-"),
              let month = number(5, 2), b[7] == UInt8(ascii: "-"), let day = number(8, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        if b.count == 10 {
            return allowingDateOnly ? Date(timeIntervalSince1970: Double(days * 86_400 + 86_399)) : nil
        }
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == 32,
              let hour = number(11, 2), b[13] == UInt8(ascii: ":"), let minute = number(14, 2),
              b[16] == UInt8(ascii: ":"), let second = number(17, 2),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var i = 19
        var fraction = 0.0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count == i + 6, let oh = number(i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
                  let om = number(i + 4, 2), oh <= 23, om <= 59
            else { return nil }
            offset = (oh * 60 + om) * 60 * (b[i] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` with every field in range, else `nil` (left to Foundation).
    static func parseCanonical(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { b -> Date? in
            guard b.count == 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x5A
            else { return nil }
            func number(_ from: Int, _ count: Int) -> Int? {
                var value = 0
                for i in from..<(from + count) {
                    let digit = Int(b[i]) - 0x30
                    guard digit >= 0 && digit <= 9 else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                  let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                  year >= 1970, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
                  hour <= 23, minute <= 59, second <= 59
            else { return nil }
            let seconds = daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
    }

    /// Whole-second instants from 1970 to 9999; `nil` for anything else (left to Foundation).
    static func formatCanonical(_ date: Date) -> String? {
        let interval = date.timeIntervalSince1970
        guard interval >= 0, interval < 253_402_300_800, interval == interval.rounded(.down) else { return nil }
        let total = Int(interval)
        var (days, rest) = total.quotientAndRemainder(dividingBy: 86_400)
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        days += 719_468
        let era = days / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let hour = rest / 3_600
        rest %= 3_600
        var out = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int, at index: Int, width: Int) {
            var v = value
            for i in stride(from: index + width - 1, through: index, by: -1) {
                out[i] = UInt8(0x30 + v % 10)
                v /= 10
            }
        }
        put(year, at: 0, width: 4); out[4] = 0x2D
        put(month, at: 5, width: 2); out[7] = 0x2D
        put(day, at: 8, width: 2); out[10] = 0x54
        put(hour, at: 11, width: 2); out[13] = 0x3A
        put(rest / 60, at: 14, width: 2); out[16] = 0x3A
        put(rest % 60, at: 17, width: 2); out[19] = 0x5A
        return String(decoding: out, as: UTF8.self)
    }

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let mp = (month + 9) % 12
        let dayOfYear = (153 * mp + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
