/// An IPv4 or IPv6 address, parsed strictly from text by keysync's own parser (no resolver,
/// no locale, no `inet_aton` leniency such as `10.1` or octal `010`). 128 bits in two words;
/// an IPv4 address sits in the low 32 bits with `isIPv4` set.
///
/// A client address written as IPv4-mapped IPv6 (`::ffff:203.0.113.9`, as a dual-stack socket
/// reports an IPv4 peer) is the IPv4 address: a key allowed from `203.0.113.0/24` works the
/// same whichever socket the server listens on.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64
    public let isIPv4: Bool

    public init(ipv4 value: UInt32) {
        high = 0
        low = UInt64(value)
        isIPv4 = true
    }

    public init(ipv6 high: UInt64, _ low: UInt64) {
        self.high = high
        self.low = low
        isIPv4 = false
    }

    /// Bits of the address: 32 or 128.
    public var bitWidth: Int { isIPv4 ? 32 : 128 }

    /// Whether this IPv6 address is IPv4-mapped (`::ffff:0:0/96`).
    var isIPv4Mapped: Bool { !isIPv4 && high == 0 && low >> 32 == 0xFFFF }

    /// A client address: IPv4 (`203.0.113.9`) or IPv6 (`2001:db8::1`), an IPv4-mapped IPv6
    /// address read as its IPv4 address. Works on the text's bytes in place (no allocation), as
    /// the request path needs. Zone ids (`fe80::1%eth0`) and ports are refused.
    public init(parsing text: String) throws(IPAddressProblem) {
        let parsed = try IPAddress.parse(text)
        self = parsed.isIPv4Mapped ? IPAddress(ipv4: UInt32(truncatingIfNeeded: parsed.low)) : parsed
    }

    /// The address as written (an IPv4-mapped one stays IPv6), read from the string's bytes in
    /// place; problems quote `shown` (the whole entry it came from).
    static func parse(_ address: String, shownAs shown: String? = nil) throws(IPAddressProblem) -> IPAddress {
        var copy = address
        let result = copy.withUTF8 { bytes in
            Result { () throws(IPAddressProblem) -> IPAddress in try IPAddress.parse(bytes, text: shown ?? address) }
        }
        return try result.get()
    }

    /// `nil` for anything `init(parsing:)` refuses.
    public init?(_ text: String) {
        guard let parsed = try? IPAddress(parsing: text) else { return nil }
        self = parsed
    }

    /// Dotted decimal for IPv4; RFC 5952 for IPv6 (lower case, the longest run of two or more
    /// zero groups as `::`).
    public var description: String {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var groups: [UInt16] = []
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: low >> UInt64(shift))) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8, groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { (bestStart, bestLength) = (runStart, i - runStart) }
                runStart = -1
            }
        }
        let hex = { (g: UInt16) in String(g, radix: 16) }
        guard bestLength >= 2 else { return groups.map(hex).joined(separator: ":") }
        let head = groups[..<bestStart].map(hex).joined(separator: ":")
        let tail = groups[(bestStart + bestLength)...].map(hex).joined(separator: ":")
        return head + "::" + tail
    }

    // MARK: Parsing

    static func parse(_ b: UnsafeBufferPointer<UInt8>, text: String) throws(IPAddressProblem) -> IPAddress {
        guard !b.isEmpty else { throw IPAddressProblem(text, "is empty", hint: "write an address such as 203.0.113.7 or 2001:db8::7") }
        if b.contains(UInt8(ascii: "%")) {
            throw IPAddressProblem(text, "has a zone id (%...)",
                                   hint: "zone ids name a local interface and never match a client; remove it")
        }
        if b.contains(UInt8(ascii: ":")) { return try parseIPv6(b, text: text) }
        return IPAddress(ipv4: try parseIPv4(b[...], text: text))
    }

    private static func parseIPv4(_ b: Slice<UnsafeBufferPointer<UInt8>>, text: String) throws(IPAddressProblem) -> UInt32 {
        var value: UInt32 = 0, octets = 0, digits = 0, octet: UInt32 = 0
        func bad(_ what: String) -> IPAddressProblem {
            IPAddressProblem(text, what, hint: "write four numbers 0 to 255 separated by dots, e.g. 203.0.113.7")
        }
        for c in b {
            if c == UInt8(ascii: ".") {
                guard digits > 0 else { throw bad("is not an IPv4 address") }
                value = value << 8 | octet
                octets += 1
                (digits, octet) = (0, 0)
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else { throw bad("is not an IP address") }
            digits += 1
            octet = octet * 10 + UInt32(c - UInt8(ascii: "0"))
            guard digits <= 3, octet <= 255 else { throw bad("has a number over 255") }
        }
        guard digits > 0 else { throw bad("is not an IPv4 address") }
        value = value << 8 | octet
        octets += 1
        guard octets == 4 else { throw bad("does not have four parts") }
        if Self.hasLeadingZero(b) {
            throw IPAddressProblem(text, "has a number with a leading zero",
                                   hint: "write each number without leading zeros (some tools read 010 as octal 8)")
        }
        return value
    }

    private static func hasLeadingZero(_ b: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        var atStart = true, previousWasStartZero = false
        for c in b {
            if c == UInt8(ascii: ".") {
                atStart = true
                previousWasStartZero = false
                continue
            }
            if previousWasStartZero { return true }
            previousWasStartZero = atStart && c == UInt8(ascii: "0")
            atStart = false
        }
        return false
    }

    private static func parseIPv6(_ b: UnsafeBufferPointer<UInt8>, text: String) throws(IPAddressProblem) -> IPAddress {
        func bad(_ what: String) -> IPAddressProblem {
            IPAddressProblem(text, what, hint: "write eight groups of 1 to 4 hex digits separated by colons, one `::` at most, e.g. 2001:db8::7")
        }
        var head = SIMD8<UInt16>(), headCount = 0
        var tail = SIMD8<UInt16>(), tailCount = 0
        var compressed = false
        var i = 0
        let n = b.count
        func append(_ group: UInt16) throws(IPAddressProblem) {
            guard headCount + tailCount < 8 else { throw bad("has more than eight groups") }
            if compressed { tail[tailCount] = group; tailCount += 1 } else { head[headCount] = group; headCount += 1 }
        }
        if n >= 2, b[0] == UInt8(ascii: ":"), b[1] == UInt8(ascii: ":") {
            compressed = true
            i = 2
        } else if b[0] == UInt8(ascii: ":") {
            throw bad("starts with a single colon")
        }
        while i < n {
            let start = i
            var group: UInt32 = 0
            while i < n, let d = Self.hexValue(b[i]) {
                group = group << 4 | UInt32(d)
                i += 1
                guard i - start <= 4 else { throw bad("has a group of more than four hex digits") }
            }
            if i < n, b[i] == UInt8(ascii: ".") {
                // The last 32 bits as dotted decimal (`::ffff:192.0.2.1`).
                let v4 = try parseIPv4(b[start..<n], text: text)
                try append(UInt16(v4 >> 16))
                try append(UInt16(v4 & 0xFFFF))
                i = n
                break
            }
            guard i > start else { throw bad("has an empty group or a character that is not a hex digit") }
            try append(UInt16(group))
            if i == n { break }
            guard b[i] == UInt8(ascii: ":") else { throw bad("has a character that is not a hex digit") }
            i += 1
            if i < n, b[i] == UInt8(ascii: ":") {
                guard !compressed else { throw bad("has `::` more than once") }
                compressed = true
                i += 1
            } else if i == n {
                throw bad("ends with a single colon")
            }
        }
        let total = headCount + tailCount
        guard compressed ? total <= 7 : total == 8 else {
            throw bad(compressed ? "has too many groups for `::`" : "does not have eight groups")
        }
        var groups = SIMD8<UInt16>()
        for k in 0..<headCount { groups[k] = head[k] }
        for k in 0..<tailCount { groups[8 - tailCount + k] = tail[k] }
        var high: UInt64 = 0, low: UInt64 = 0
        for k in 0..<4 { high = high << 16 | UInt64(groups[k]) }
        for k in 4..<8 { low = low << 16 | UInt64(groups[k]) }
        return IPAddress(ipv6: high, low)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why a text is not an address or range: one lower-case sentence naming the text, and a hint.
public struct IPAddressProblem: Error, Sendable, Equatable {
    public var message: String
    public var hint: String

    init(_ text: String, _ what: String, hint: String) {
        let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
        message = "\"\(shown)\" \(what)"
        self.hint = hint
    }
}
