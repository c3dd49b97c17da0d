import Manifest

/// A span as the manifest wrote it (`24h`, `90d`), kept in the plan so renderings show the
/// manifest's words and apply can resolve it against its own clock.
public struct PlannedPeriod: Sendable, Hashable, Codable, CustomStringConvertible {
    public var seconds: Int64
    /// The manifest's spelling, e.g. `90d`.
    public var text: String

    public init(seconds: Int64, text: String) {
        self.seconds = seconds
        self.text = text
    }

    public init(_ period: Period) {
        self.init(seconds: period.seconds, text: period.text)
    }

    public var description: String { text }
}
