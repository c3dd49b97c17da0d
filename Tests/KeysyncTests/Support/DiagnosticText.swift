import KeysyncCore
import XCTest

/// Checks the text shape every command's failure takes on standard error, as the console prints
/// it: `error[code]: message`, at most one `  hint: …` line, then the command's summary line.
/// `code` is the code's start (empty: any code).
func assertDiagnosticText(
    _ stderr: String, code: String, summary: String, _ context: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertTrue(stderr.hasSuffix("\n"), "\(context): \(stderr)", file: file, line: line)
    let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    guard lines.count == 2 || lines.count == 3 else {
        return XCTFail("\(context): expected a diagnostic, a hint and a summary: \(stderr)", file: file, line: line)
    }
    XCTAssertTrue(lines.first!.hasPrefix("error[\(code)"), "\(context): \(stderr)", file: file, line: line)
    if let registered = lines.first!.dropFirst("error[".count).split(separator: "]").first {
        XCTAssertNotNil(DiagnosticCode(rawValue: String(registered)), "\(context): \(registered) is not a registered code", file: file, line: line)
    }
    XCTAssertTrue(lines.first!.contains("]: "), "\(context): \(stderr)", file: file, line: line)
    if lines.count == 3 {
        XCTAssertTrue(lines[lines.startIndex + 1].hasPrefix("  hint: "), "\(context): \(stderr)", file: file, line: line)
    }
    XCTAssertEqual(String(lines.last!), summary, context, file: file, line: line)
}
