/// What the CLI may assume about where its output goes. Colour is for people at a terminal:
/// only when the stream is a TTY, and never when `NO_COLOR` is set (https://no-color.org);
/// `Console.terminal(for:)` decides it for a stream.
struct Terminal: Sendable {
    var usesColour: Bool

    static let plain = Terminal(usesColour: false)

    enum Style: String {
        case error = "\u{1B}[1;31m"
        case warning = "\u{1B}[1;33m"
        case bold = "\u{1B}[1m"
        case caret = "\u{1B}[1;32m"
        case hint = "\u{1B}[36m"
    }

    func paint(_ text: String, _ style: Style) -> String {
        usesColour ? style.rawValue + text + "\u{1B}[0m" : text
    }
}
