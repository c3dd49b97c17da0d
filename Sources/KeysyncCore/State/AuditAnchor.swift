/// Where an audit log stands: how many lines it holds and the hash of the last one. The signed
/// state records it as of its own apply (`"log"` in the state file), which anchors the chain.
public struct AuditAnchor: Equatable, Hashable, Sendable, Codable {
    /// Lines (events and markers) in the log up to and including the head.
    public var events: Int
    /// `sha256:` of the last of those lines; for none, the SHA-256 of no bytes.
    public var head: String

    public init(events: Int, head: String) {
        self.events = events
        self.head = head
    }

    /// An empty log.
    public static let empty = AuditAnchor(events: 0, head: SHA256Text.of([UInt8]()))
}

