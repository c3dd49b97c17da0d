import Foundation

/// A line of the audit log about an apply as a whole rather than about one key: where it
/// began, that it completed, or that it never did.
///
/// These lines are what let the log and the state check each other. Every apply writes
/// `apply.began` and its key events before the state (which records the log's head as of then),
/// and `apply.completed` after it. So a log that holds `apply.completed` for a serial above the
/// state's proves the state was put back; a log whose last apply began but never completed
/// shows a crash, which the next apply records with `apply.incomplete`.
public struct ApplyMarker: Equatable, Sendable, Codable {
    public enum Kind: String, Equatable, Hashable, Sendable, Codable, CaseIterable {
        case began = "apply.began"
        case completed = "apply.completed"
        /// Written by a later apply for an apply that began and never completed: its keys were
        /// never valid (no state recorded them) and its serial is never used again.
        case incomplete = "apply.incomplete"
    }

    /// Whole seconds, as every time in the log.
    public var time: Date
    public var event: Kind
    public var actor: String
    public var commit: String?
    /// The serial of the apply this line is about.
    public var serial: Int
    /// The state's lineage (`nil` only in a marker about an apply that never got one).
    public var lineage: String?

    public init(time: Date, event: Kind, actor: String, commit: String?, serial: Int, lineage: String?) {
        self.time = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        self.event = event
        self.actor = actor
        self.commit = commit
        self.serial = serial
        self.lineage = lineage
    }

    private enum CodingKeys: String, CodingKey { case event, lineage }

    public init(from decoder: Decoder) throws {
        let stamp = try AuditStamp(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            time: stamp.time, event: try container.decode(Kind.self, forKey: .event), actor: stamp.actor,
            commit: stamp.commit, serial: stamp.serial, lineage: try container.decode(String?.self, forKey: .lineage))
    }

    public func encode(to encoder: Encoder) throws {
        try AuditStamp(time: time, actor: actor, commit: commit, serial: serial).encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
        try container.encode(lineage, forKey: .lineage)
    }
}

/// One line of the audit log: a change to a key, or a marker about an apply.
public enum AuditLine: Equatable, Sendable {
    case key(AuditEvent)
    case apply(ApplyMarker)

    /// The serial of the apply the line belongs to.
    public var serial: Int {
        switch self {
        case .key(let event): event.serial
        case .apply(let marker): marker.serial
        }
    }

    /// Decodes one line's JSON (its `prev` aside); `apply.*` events are markers.
    static func decode(_ data: Data) throws -> AuditLine {
        let decoder = JSONDecoder()
        let kind = try decoder.decode(EventName.self, from: data).event
        if kind.hasPrefix("apply.") { return .apply(try decoder.decode(ApplyMarker.self, from: data)) }
        return .key(try decoder.decode(AuditEvent.self, from: data))
    }

    private struct EventName: Decodable { var event: String }
}
