/// A network a key may be used from, as keys.yaml writes it: CIDR (`203.0.113.0/24`,
/// `2001:db8::/32`) or a bare address (`198.51.100.7` = `/32`, `2001:db8::7` = `/128`).
///
/// What a value guarantees (checked once, when it is parsed):
/// - the address is the network's own: no host bits set below the prefix (`10.0.0.1/8` is
///   refused with a hint to `10.0.0.0/8`: it reads like one host but would allow sixteen million);
/// - the prefix length is 0...32 for IPv4 and 0...128 for IPv6, plain digits;
/// - no zone id, no IPv4 numbers with leading zeros;
/// - no IPv4-mapped IPv6 range (`::ffff:0:0/96` and inside it): IPv4 clients are matched as
///   IPv4 (see `IPAddress`), so such a range would never match; write the IPv4 range instead.
/// IPv4 ranges match only IPv4 clients, IPv6 ranges only IPv6 clients.
public struct IPAddressRange: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses a range as keys.yaml and the state write it.
    public init(parsing text: String) throws(IPAddressProblem) {
        let parts = text.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw IPAddressProblem(text, "has more than one `/`", hint: "write an address, or an address and a prefix length: 203.0.113.0/24")
        }
        let address = try IPAddress.parse(String(parts[0]), shownAs: text)
        if address.isIPv4Mapped {
            throw IPAddressProblem(text, "is an IPv4-mapped IPv6 address",
                                   hint: "IPv4 clients are matched as IPv4: write the IPv4 form, e.g. \(IPAddress(ipv4: UInt32(truncatingIfNeeded: address.low)))")
        }
        var length = address.bitWidth
        if parts.count == 2 {
            let digits = parts[1]
            let bounds = "0 to \(address.bitWidth)"
            guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                  digits.utf8.count <= 3, let n = Int(digits)
            else {
                throw IPAddressProblem(text, "has a prefix length that is not a number", hint: "write a prefix length of \(bounds) after the `/`")
            }
            guard digits.utf8.count == 1 || digits.utf8.first != UInt8(ascii: "0") else {
                throw IPAddressProblem(text, "has a prefix length with a leading zero", hint: "write /\(n)")
            }
            guard n <= address.bitWidth else {
                throw IPAddressProblem(text, "has a prefix length over \(address.bitWidth)",
                                       hint: "an \(address.isIPv4 ? "IPv4" : "IPv6") prefix length is \(bounds)")
            }
            length = n
        }
        let range = IPAddressRange(unchecked: address, prefixLength: length)
        let masked = IPAddressRange.masked(address, length)
        guard masked == address else {
            throw IPAddressProblem(text, "has host bits set below the /\(length) prefix",
                                   hint: "write the network address: \(IPAddressRange(unchecked: masked, prefixLength: length)) (or the address alone for just that host)")
        }
        self = range
    }

    private init(unchecked network: IPAddress, prefixLength: Int) {
        self.network = network
        self.prefixLength = prefixLength
    }

    /// Whether `address` is in this range. IPv4 and IPv6 never match each other.
    @inlinable
    public func contains(_ address: IPAddress) -> Bool {
        guard address.isIPv4 == network.isIPv4 else { return false }
        return Self.masked(address, prefixLength) == network
    }

    @usableFromInline
    static func masked(_ address: IPAddress, _ length: Int) -> IPAddress {
        if address.isIPv4 {
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
            return IPAddress(ipv4: UInt32(truncatingIfNeeded: address.low) & mask)
        }
        let highMask: UInt64 = length >= 64 ? ~0 : (length == 0 ? 0 : ~UInt64(0) << UInt64(64 - length))
        let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? ~0 : ~UInt64(0) << UInt64(128 - length))
        return IPAddress(ipv6: address.high & highMask, address.low & lowMask)
    }

    /// The canonical spelling: the address alone for a single host (`/32`, `/128`), else
    /// `network/length`; IPv6 in RFC 5952 form.
    public var description: String {
        prefixLength == network.bitWidth ? network.description : "\(network)/\(prefixLength)"
    }

    /// IPv4 before IPv6, then by network address, then wider before narrower.
    public static func < (lhs: IPAddressRange, rhs: IPAddressRange) -> Bool {
        if lhs.network.isIPv4 != rhs.network.isIPv4 { return lhs.network.isIPv4 }
        if lhs.network.high != rhs.network.high { return lhs.network.high < rhs.network.high }
        if lhs.network.low != rhs.network.low { return lhs.network.low < rhs.network.low }
        return lhs.prefixLength < rhs.prefixLength
    }

    /// Whether every address of `other` is in this range.
    public func covers(_ other: IPAddressRange) -> Bool {
        other.network.isIPv4 == network.isIPv4 && other.prefixLength >= prefixLength && contains(other.network)
    }
}

extension IPAddressRange: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
