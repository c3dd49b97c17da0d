import Reconciler

/// Shows a long command's `WorkProgress` on standard error: a bar redrawn in place at a
/// terminal, plain lines elsewhere (a CI log: each step's start and end, every few seconds
/// between), e.g. `sealed 8,000 / 21,285 teams`. Nothing is drawn before the run is `delay` old, so quick runs do not flicker, and
/// nothing at all when hidden (`--quiet`, `KEYSYNC_PROGRESS=never`).
///
/// What must hold: it writes only through `output` (standard error), and only fixed words and
/// counts — `WorkProgress` carries nothing else, so progress never shows a name, a path or key
/// material. The clock is a parameter, so tests move time instead of sleeping.
final class ProgressDisplay {
    enum Style: Equatable {
        /// Redrawn in place (`\r`), for a person at a terminal.
        case bar
        /// One line per report, for logs.
        case lines
        /// Nothing.
        case hidden
    }

    /// `KEYSYNC_PROGRESS`: `auto` shows progress once a run takes over `defaultDelay`,
    /// `always` from the start, `never` not at all.
    enum Mode: String, CaseIterable {
        case auto, always, never
    }

    static let defaultDelay: Duration = .seconds(2)
    /// How often a log gets a line while a step runs (its start and end always get one).
    static let lineInterval: Duration = .seconds(5)
    /// How often a bar is redrawn: often enough to move, rarely enough to cost nothing.
    static let barInterval: Duration = .milliseconds(100)
    static let barWidth = 24

    let style: Style
    let delay: Duration
    let interval: Duration
    private let clock: () -> ContinuousClock.Instant
    private let output: (String) -> Void
    private let startedAt: ContinuousClock.Instant
    private var lastDrawnAt: ContinuousClock.Instant?
    /// What was drawn last: the same report twice (a step's end, heard from two places) is drawn once.
    private var lastDrawn: WorkProgress?
    /// A bar is on screen without its line's end.
    private var barIsOpen = false

    init(
        style: Style, delay: Duration = defaultDelay,
        clock: @escaping () -> ContinuousClock.Instant = { ContinuousClock.now },
        output: @escaping (String) -> Void
    ) {
        self.style = style
        self.delay = delay
        interval = style == .bar ? Self.barInterval : Self.lineInterval
        self.clock = clock
        self.output = output
        startedAt = clock()
    }

    /// For `ApplySession.progress` and `PlanSession.progress`.
    var reporter: ProgressReporter {
        style == .hidden ? .silent : ProgressReporter { [self] in update($0) }
    }

    /// Draws `progress` when it is time to: past the delay, and either a step's start or end,
    /// or `interval` after the last drawing. A log thus shows what a long step without counts
    /// (encoding the state) is doing while it runs. Steps with nothing to count are not shown.
    func update(_ progress: WorkProgress) {
        guard style != .hidden, progress.total > 0, progress != lastDrawn else { return }
        let now = clock()
        guard now - startedAt >= delay else { return }
        let newStep = progress.step != lastDrawn?.step
        if !progress.isFinished && !newStep, let lastDrawnAt, now - lastDrawnAt < interval { return }
        lastDrawnAt = now
        lastDrawn = progress
        let text = Self.describe(progress)
        switch style {
        case .lines:
            output(text + "\n")
        case .bar:
            output("\r" + Self.bar(progress) + " " + text + "\u{1B}[K" + (progress.isFinished ? "\n" : ""))
            barIsOpen = !progress.isFinished
        case .hidden:
            break
        }
    }

    /// Ends a bar left open (the run stopped mid-step, or output follows), so what comes next
    /// starts on a line of its own. Call before writing anything else to the terminal.
    func finish() {
        guard barIsOpen else { return }
        output("\n")
        barIsOpen = false
    }

    /// `[#########---------------]  38%`
    static func bar(_ progress: WorkProgress) -> String {
        let fraction = min(1, Double(progress.completed) / Double(max(progress.total, 1)))
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let percent = String(Int((fraction * 100).rounded(.down)))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "] "
            + String(repeating: " ", count: 3 - percent.count) + percent + "%"
    }

    /// `sealed 8,000 / 21,285 teams`, `read 12.4 / 24.8 MB of the manifest`, `planning...`.
    static func describe(_ progress: WorkProgress) -> String {
        let done = progress.isFinished
        let counted = CountText.grouped(progress.completed) + " / " + CountText.grouped(progress.total)
        switch progress.step {
        case .readManifest: return "read \(bytes(progress.completed, of: progress.total)) of the manifest"
        case .readState: return done ? "read the state" : "reading the state..."
        case .plan: return done ? "planned" : "planning..."
        case .mint: return "prepared \(counted) key changes"
        case .encodeState: return done ? "encoded the audit log and the state" : "encoding the audit log and the state..."
        case .seal: return "sealed \(counted) teams"
        case .writeSealedFiles: return "wrote \(counted) sealed files"
        case .writeState: return done ? "wrote the audit log and the state" : "writing the audit log and the state..."
        case .checkAuditLog: return done ? "checked the audit log" : "checking the audit log..."
        }
    }

    /// `12.4 / 24.8 MB` from a megabyte up, else `1,234 / 5,678 bytes`.
    static func bytes(_ completed: Int, of total: Int) -> String {
        guard total >= 1_000_000 else { return "\(CountText.grouped(completed)) / \(CountText.grouped(total)) bytes" }
        func megabytes(_ n: Int) -> String {
            let tenths = n / 100_000
            return "\(CountText.grouped(tenths / 10)).\(tenths % 10)"
        }
        return "\(megabytes(completed)) / \(megabytes(total)) MB"
    }
}
