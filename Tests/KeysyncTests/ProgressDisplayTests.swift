import Reconciler
import XCTest
@testable import keysync

/// The progress display's decisions with the clock in the test's hand: when it draws, what a
/// bar and a line look like, and that hidden means nothing at all.
final class ProgressDisplayTests: XCTestCase {
    /// A clock that moves only when told.
    final class ManualClock {
        var now = ContinuousClock.now
        func advance(_ duration: Duration) { now = now.advanced(by: duration) }
    }

    private func display(_ style: ProgressDisplay.Style, delay: Duration = ProgressDisplay.defaultDelay)
        -> (ProgressDisplay, ManualClock, () -> [String]) {
        let clock = ManualClock()
        var written: [String] = []
        let display = ProgressDisplay(style: style, delay: delay, clock: { clock.now }, output: { written.append($0) })
        return (display, clock, { written })
    }

    private func sealed(_ done: Int, of total: Int) -> WorkProgress {
        WorkProgress(step: .seal, completed: done, total: total)
    }

    func testNothingIsDrawnBeforeTheDelaySoQuickRunsDoNotFlicker() {
        let (display, clock, written) = display(.lines)
        display.update(sealed(1, of: 10))
        clock.advance(.milliseconds(1_999))
        display.update(sealed(10, of: 10))
        display.finish()
        XCTAssertEqual(written(), [])
    }

    func testLinesAtEachStepsStartAndEndAndEveryFewSecondsBetween() {
        let (display, clock, written) = display(.lines)
        clock.advance(.seconds(2))
        display.update(sealed(8_000, of: 21_285))
        clock.advance(.seconds(1))
        display.update(sealed(9_000, of: 21_285))  // within the interval: not drawn
        clock.advance(.seconds(4))
        display.update(sealed(15_000, of: 21_285))
        clock.advance(.milliseconds(10))
        display.update(sealed(21_285, of: 21_285))  // the step's end: always drawn
        display.update(sealed(21_285, of: 21_285))  // the same report again: drawn once
        display.update(WorkProgress(step: .writeState, completed: 0, total: 1))  // a new step: drawn at once
        clock.advance(.seconds(1))
        display.update(WorkProgress(step: .writeState, completed: 1, total: 1))
        display.finish()
        XCTAssertEqual(written(), [
            "sealed 8,000 / 21,285 teams\n",
            "sealed 15,000 / 21,285 teams\n",
            "sealed 21,285 / 21,285 teams\n",
            "writing the audit log and the state...\n",
            "wrote the audit log and the state\n",
        ])
    }

    func testBarIsRedrawnInPlaceAndClosedAtTheStepsEnd() {
        let (display, clock, written) = display(.bar, delay: .zero)
        display.update(sealed(5, of: 10))
        clock.advance(.milliseconds(50))
        display.update(sealed(6, of: 10))  // within 100 ms: not redrawn
        clock.advance(.milliseconds(100))
        display.update(sealed(10, of: 10))
        // A new step is drawn at once; its next report only after the interval.
        display.update(WorkProgress(step: .readManifest, completed: 12_400_000, total: 24_800_000))
        display.update(WorkProgress(step: .readManifest, completed: 12_500_000, total: 24_800_000))
        display.finish()
        display.finish()
        XCTAssertEqual(written(), [
            "\r[############------------]  50% sealed 5 / 10 teams\u{1B}[K",
            "\r[########################] 100% sealed 10 / 10 teams\u{1B}[K\n",
            "\r[############------------]  50% read 12.4 / 24.8 MB of the manifest\u{1B}[K",
            "\n",
        ])
    }

    func testHiddenDrawsNothingAndStepsWithNothingToCountAreSkipped() {
        let (hidden, _, hiddenWritten) = display(.hidden, delay: .zero)
        hidden.update(sealed(1, of: 1))
        hidden.reporter(.seal, 1, of: 2)
        XCTAssertEqual(hiddenWritten(), [])

        let (lines, _, linesWritten) = display(.lines, delay: .zero)
        lines.update(sealed(0, of: 0))
        lines.reporter(.plan, 0, of: 1)
        XCTAssertEqual(linesWritten(), ["planning...\n"])
    }
}
