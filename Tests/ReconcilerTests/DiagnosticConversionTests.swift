import AgeFormat
import Reconciler
import TestSupport
import XCTest

/// Every library error becomes the one `Diagnostic` through `DiagnosticConvertible`, with its
/// registered code, the message it has always printed, and a place when a file is given.
final class DiagnosticConversionTests: XCTestCase {
    func testErrorsCarryTheirRegisteredCodeAndMessage() {
        let storage = StorageError(operation: "write", path: "sealed/x.age", code: 28, reason: "No space left on device")
        let errors: [(any DiagnosticConvertible, DiagnosticCode)] = [
            (ApplyError.storage(storage), .applyWrite),
            (ApplyError.unknownKey(KeyID.test("x")), .applyPlanMismatch),
            (StateLockError.unavailable(storage), .stateLockUnavailable),
            (SavedPlanError.edited, .planTampered),
            (SavedPlanError.unreadable("not JSON"), .planUnreadable),
            (AuditProblem(line: 3, kind: .unterminated), .auditLineUnterminated),
            (HistoryError.auditLogMissing(recorded: 4), .auditLogMissing),
            (RepositoryError.storage(storage), .repositoryUnreadable),
            (AgeError.noIdentities, .ageKey),
            (AgeError.badHeaderMAC, .ageHeaderMac),
        ]
        for (error, code) in errors {
            let diagnostic = error.diagnostic
            XCTAssertEqual(diagnostic.code, code.rawValue, "\(error)")
            XCTAssertEqual(diagnostic.registeredCode, code, "\(error)")
            XCTAssertEqual(error.code, code.rawValue, "\(error)")
            XCTAssertEqual(diagnostic.severity, .error)
            XCTAssertFalse(diagnostic.message.isEmpty)
        }
        XCTAssertEqual(ApplyError.storage(storage).diagnostic.message, "\(ApplyError.storage(storage))")
    }

    /// A stale plan says so and gives the reason as the hint, as `apply PLANFILE` prints it.
    func testSavedPlanErrorsReadAsApplyPrintsThem() {
        let stale = SavedPlanError.serialChanged(planned: 3, current: 4).diagnostic
        XCTAssertEqual(stale.code, "plan-stale")
        XCTAssertEqual(stale.message, "the plan is stale; run keysync plan again")
        XCTAssertEqual(stale.hint, "the plan was made at state serial 3, but the state is at serial 4; run keysync plan again")
        XCTAssertEqual(SavedPlanError.unreadable("x").diagnostic.hint, "save a new one with keysync plan --out")
    }

    func testAFileGivesThePlace() {
        let problem = AuditProblem(line: 7, kind: .brokenLink(follows: nil))
        XCTAssertEqual(problem.diagnostic(file: "keysync.audit.jsonl").location,
                       SourceLocation(file: "keysync.audit.jsonl", line: 7, column: 1))
        XCTAssertNil(problem.diagnostic.location)
        XCTAssertEqual(AgeError.malformedHeader(line: 2, "bad stanza").diagnostic(file: "sealed/t.age").location,
                       SourceLocation(file: "sealed/t.age", line: 2, column: 1))
    }
}
