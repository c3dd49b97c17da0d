/// Where an audit log stands: how many lines it holds and the hash of the last one. The signed
/// state records it as of its own apply (`"log"` in the state file), which anchors the chain.
///
/// A log past one segment file also records which segment holds the head and the head's line
/// in it (`segment`, `segment_line`), so a reader checks the head by reading that segment and
/// the ones after it, not every closed segment before it. Both are absent for a head in the
/// first segment (every log written before segments existed), so those states read unchanged.
public struct AuditAnchor: Equatable, Hashable, Sendable, Codable {
    /// Lines (events and markers) in the log up to and including the head.
    public var events: Int
    /// `sha256:` of the last of those lines; for none, the SHA-256 of no bytes.
    public var head: String
    /// The 1-based number of the segment file holding the head; `nil` for the first.
    public var segment: Int?
    /// The head's 1-based line in that segment; `nil` with `segment`.
    public var segmentLine: Int?

    public init(events: Int, head: String, segment: Int? = nil, segmentLine: Int? = nil) {
        self.events = events
        self.head = head
        self.segment = segment
        self.segmentLine = segmentLine
    }

    /// An empty log.
    public static let empty = AuditAnchor(events: 0, head: SHA256Text.of([UInt8]()))

    /// The segment holding the head (1 when none is recorded).
    public var headSegment: Int { segment ?? 1 }

    /// Lines in the segments before `headSegment`.
    public var eventsBeforeHeadSegment: Int { segmentLine.map { events - $0 } ?? 0 }

    /// Whether the segment fields hold together: both or neither, a segment above 1, and the
    /// head's line within the events.
    public var hasValidSegment: Bool {
        switch (segment, segmentLine) {
        case (nil, nil): true
        case (let segment?, let line?): segment > 1 && line >= 1 && line <= events
        default: false
        }
    }

    enum CodingKeys: String, CodingKey {
        case events, head, segment
        case segmentLine = "segment_line"
    }
}
