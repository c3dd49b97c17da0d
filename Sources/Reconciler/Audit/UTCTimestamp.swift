import Foundation

/// RFC 3339 timestamps in UTC with whole seconds (`2026-11-25T09:00:00Z`): the one spelling of
/// time in the audit log and lock files, so lines stay byte-for-byte reproducible.
enum UTCTimestamp {
    static func string(from date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = Int(parts.tm_year) + 1900
        let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        return "\(yearText)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// Parses what `string(from:)` writes (and any RFC 3339 time with an offset or fraction).
    static func date(from text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }
}
