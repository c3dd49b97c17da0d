/// Where the audit log ends, and how new lines are spread over its segment files.
///
/// Only the last segment is ever appended to; a line that would take it past `limit` bytes
/// opens the next segment instead (a line is never split, and a line longer than the limit
/// gets a segment of its own). Closed segments are never touched again, so an apply writes
/// the last segment and the ones it opens, nothing else. Pure: the apply engine uses it to
/// know where its head lands (the state records it), the writer to know what to append where,
/// and both get the same answer.
public struct AuditLogEnd: Equatable, Sendable {
    /// The last segment's 1-based number.
    public var segment: Int
    /// Its bytes up to its last line break (a half-written line after them is cut first).
    public var length: Int
    /// Complete lines in it.
    public var events: Int
    /// Complete lines in the segments before it.
    public var eventsBefore: Int
    /// Whether a half-written line (a crash during an append) follows `length`.
    public var halfLine: Bool
    /// The most bytes a segment may hold (`AuditLogSegments.maximumBytes` outside tests).
    public var limit: Int

    public init(segment: Int = 1, length: Int = 0, events: Int = 0, eventsBefore: Int = 0, halfLine: Bool = false,
                limit: Int = AuditLogSegments.maximumBytes) {
        self.segment = segment
        self.length = length
        self.events = events
        self.eventsBefore = eventsBefore
        self.halfLine = halfLine
        self.limit = limit
    }

    /// The end of a log whose head is `anchor` and whose last segment is `length` bytes long.
    public init(after anchor: AuditAnchor, length: Int, limit: Int = AuditLogSegments.maximumBytes) {
        self.init(segment: anchor.headSegment, length: length, events: anchor.segmentLine ?? anchor.events,
                  eventsBefore: anchor.eventsBeforeHeadSegment, limit: limit)
    }

    /// The anchor of a log ending here whose last line hashes to `head`.
    public func anchor(head: String) -> AuditAnchor {
        let events = eventsBefore + self.events
        guard segment > 1 else { return AuditAnchor(events: events, head: head) }
        return AuditAnchor(events: events, head: head, segment: segment, segmentLine: self.events)
    }

    /// One append to one segment file.
    public struct Append: Equatable, Sendable {
        public var segment: Int
        /// What `DurableStorage.append` keeps of the file before appending.
        public var keepingFirst: Int
        public var bytes: [UInt8]

        public init(segment: Int, keepingFirst: Int, bytes: [UInt8]) {
            self.segment = segment
            self.keepingFirst = keepingFirst
            self.bytes = bytes
        }
    }

    /// The appends that add `lines` (whole lines, each ending with a line break) at this end,
    /// in the order they must be written, and the end after them. The first append goes to
    /// this segment whenever it has a half-written line to cut, even when it adds nothing:
    /// only the last segment may end without a line break.
    public func appending(_ lines: [UInt8]) -> (appends: [Append], end: AuditLogEnd) {
        var end = self
        var appends: [Append] = []
        var current = Append(segment: end.segment, keepingFirst: end.length, bytes: [])
        var mustCut = halfLine
        var start = 0
        while start < lines.count {
            var stop = start
            while stop < lines.count && lines[stop] != AuditLog.newline { stop += 1 }
            stop = min(stop + 1, lines.count)
            let size = stop - start
            if end.length > 0 && end.length + size > limit {
                if !current.bytes.isEmpty || mustCut { appends.append(current) }
                mustCut = false
                end = AuditLogEnd(segment: end.segment + 1, eventsBefore: end.eventsBefore + end.events, limit: limit)
                current = Append(segment: end.segment, keepingFirst: 0, bytes: [])
            }
            current.bytes += lines[start..<stop]
            end.length += size
            end.events += 1
            end.halfLine = false
            start = stop
        }
        if !current.bytes.isEmpty || mustCut { appends.append(current) }
        if !appends.isEmpty { end.halfLine = false }
        return (appends, end)
    }
}
