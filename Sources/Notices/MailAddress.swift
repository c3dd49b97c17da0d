/// An address a notice can be mailed to: `local@domain`, with nothing that could end a header
/// line or start another address (no whitespace, control characters, `<`, `>`, `,`, `;`, `"`).
/// The manifest checks owners and contacts look like addresses when it reads them; this type is
/// the check at the mail edge, so a message's `To:` and sendmail's argument list hold only what
/// it let through, whatever a state file says.
public struct MailAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count <= 254,
              let at = bytes.firstIndex(of: UInt8(ascii: "@")), at > 0, at < bytes.count - 1,
              bytes.lastIndex(of: UInt8(ascii: "@")) == at,
              bytes.first != UInt8(ascii: "-")  // never read as an option by sendmail
        else { return nil }
        let domain = bytes[(at + 1)...]
        guard domain.contains(UInt8(ascii: ".")), domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: ".")
        else { return nil }
        let forbidden = Set("<>,;:\"()[]\\".utf8)
        guard !bytes.contains(where: { $0 <= 32 || $0 == 127 || forbidden.contains($0) }) else { return nil }
        rawValue = text
    }

    public var description: String { rawValue }

    public static func < (a: MailAddress, b: MailAddress) -> Bool { a.rawValue < b.rawValue }
}
