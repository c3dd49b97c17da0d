/// A span written like `90d`, `12h`, `52w`, `30m`: what people write in reviews, kept with
/// its original text so renderings (and saved plans, as `{"seconds": n, "text": "90d"}`) show
/// what the manifest said.
public struct Period: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var seconds: Int64
    /// The manifest's spelling, e.g. `90d`.
    public var text: String

    public init(seconds: Int64, text: String) {
        self.seconds = seconds
        self.text = text
    }

    /// Parses `<digits><unit>` with unit `s`, `m`, `h`, `d` or `w`; `nil` otherwise.
    public init?(parsing text: String) {
        guard let unit = text.last, text.count >= 2 else { return nil }
        let digits = text.dropLast()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits), n > 0
        else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        case "w": scale = 604_800
        default: return nil
        }
        let (product, overflow) = n.multipliedReportingOverflow(by: scale)
        // Bound at ~100 years: anything longer is a typo, and it keeps dates representable.
        guard !overflow, product <= 100 * 366 * 86_400 else { return nil }
        self.init(seconds: product, text: text)
    }

    public var description: String { text }
}
