import Foundation

/// What every audit line opens with, whichever kind it is: when (whole seconds, RFC 3339 UTC),
/// who, from which commit, and the serial of the apply. One coding for key events and apply
/// markers, so the two kinds of line cannot drift apart in how they write these fields.
struct AuditStamp {
    var time: Date
    var actor: String
    /// `null` in the line when unknown: every field is always present, so lines have one shape.
    var commit: String?
    var serial: Int

    private enum Key: String, CodingKey { case time, actor, commit, serial }

    init(time: Date, actor: String, commit: String?, serial: Int) {
        self.time = time
        self.actor = actor
        self.commit = commit
        self.serial = serial
    }

    /// Reads the four fields from a line's object (the line's own fields are read beside them).
    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let text = try container.decode(String.self, forKey: .time)
        guard let time = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: .time, in: container, debugDescription: "not an RFC 3339 time")
        }
        self.init(time: time, actor: try container.decode(String.self, forKey: .actor),
                  commit: try container.decode(String?.self, forKey: .commit),
                  serial: try container.decode(Int.self, forKey: .serial))
    }

    /// Writes the four fields into the line's object (keys are sorted when the line is written).
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(Timestamp.format(time), forKey: .time)
        try container.encode(actor, forKey: .actor)
        try container.encode(commit, forKey: .commit)
        try container.encode(serial, forKey: .serial)
    }
}
