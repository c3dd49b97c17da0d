import Foundation
import Reconciler
import XCTest

final class StateLockTests: XCTestCase {
    private let start = Date(timeIntervalSince1970: 1_795_597_200) // 2026-11-25T09:00:00Z

    func testHolderIsWrittenIntoTheLockFileAndClearedOnRelease() throws {
        let folder = try makeTemporaryFolder(self)
        let state = folder + "/keysync.state.json"
        let holder = LockHolder(pid: 4242, host: "ci-runner-7", startedAt: start)
        let lock = try StateLock.acquire(forState: state, holder: holder)
        XCTAssertEqual(lock.lockFile, state + ".lock")
        XCTAssertEqual(StateLock.lockFile(forState: state), state + ".lock")
        XCTAssertEqual(
            String(decoding: fileBytes(state + ".lock") ?? [], as: UTF8.self),
            #"{"host":"ci-runner-7","pid":4242,"started_at":"2026-11-25T09:00:00Z"}"# + "\n")
        lock.release()
        lock.release()
        XCTAssertEqual(fileBytes(state + ".lock"), [])
    }

    func testSecondAcquirerFailsAtOnceNamingTheHolder() throws {
        let folder = try makeTemporaryFolder(self)
        let state = folder + "/keysync.state.json"
        let first = try StateLock.acquire(forState: state, holder: LockHolder(pid: 4242, host: "ci-runner-7", startedAt: start))
        let holder = LockHolder.current(startedAt: start)
        XCTAssertThrowsError(try StateLock.acquire(forState: state, holder: holder, timeout: .zero)) { error in
            XCTAssertEqual(error as? StateLockError, .held(
                lockFile: state + ".lock",
                holder: LockHolder(pid: 4242, host: "ci-runner-7", startedAt: start), waited: .zero))
            XCTAssertEqual(
                "\(error)",
                "the state is locked by pid 4242 on ci-runner-7 since 2026-11-25T09:00:00Z (\(state).lock); "
                    + "wait for that apply to finish or raise --lock-timeout")
            XCTAssertEqual((error as? StateLockError)?.code, "state-locked")
        }
        first.release()
        let second = try StateLock.acquire(forState: state, holder: holder)
        XCTAssertEqual(second.holder.pid, ProcessInfo.processInfo.processIdentifier)
        XCTAssertFalse(second.holder.host.isEmpty)
    }

    func testLockIsReleasedWhenTheLockObjectGoesAway() throws {
        let folder = try makeTemporaryFolder(self)
        let state = folder + "/s.json"
        do {
            let lock = try StateLock.acquire(forState: state, holder: .current(startedAt: start))
            XCTAssertEqual(lock.holder.startedAt, "2026-11-25T09:00:00Z")
        }
        XCTAssertNoThrow(try StateLock.acquire(forState: state, holder: .current(startedAt: start)))
    }

    func testMissingFolderIsReportedAsUnavailable() throws {
        let folder = try makeTemporaryFolder(self)
        XCTAssertThrowsError(try StateLock.acquire(forState: folder + "/missing/s.json", holder: .current(startedAt: start))) { error in
            guard case .unavailable(let cause)? = error as? StateLockError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(cause.code, ENOENT)
            XCTAssertEqual((error as? StateLockError)?.code, "state-lock-unavailable")
        }
    }

    // MARK: other processes

    /// A shell that takes the lock with the `flock` tool, writes its own details the way keysync
    /// does, says "locked" and then waits: `sleep` keeps the locked file open.
    private func holdLockInChild(_ state: String, for seconds: Int) throws -> Process {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/flock") else {
            throw XCTSkip("the flock tool (util-linux) is not installed at /usr/bin/flock")
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", """
            exec 9>>"$1" && /usr/bin/flock -x 9 && \
            printf '{"host":"child-host","pid":%d,"started_at":"2026-11-25T08:00:00Z"}\\n' $$ >&9 && \
            echo locked && exec sleep \(seconds)
            """, "sh", state + ".lock"]
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        XCTAssertEqual(line, "locked\n")
        return child
    }

    func testLockHeldByAnotherProcessBlocksAndNamesItUntilThatProcessIsKilled() throws {
        let folder = try makeTemporaryFolder(self)
        let state = folder + "/keysync.state.json"
        let child = try holdLockInChild(state, for: 600)
        let childHolder = LockHolder(pid: child.processIdentifier, host: "child-host",
                                     startedAt: Date(timeIntervalSince1970: 1_795_593_600))
        XCTAssertThrowsError(try StateLock.acquire(forState: state, holder: .current(startedAt: start))) { error in
            XCTAssertEqual(error as? StateLockError, .held(lockFile: state + ".lock", holder: childHolder, waited: .zero))
            XCTAssertTrue("\(error)".contains("pid \(child.processIdentifier) on child-host"), "\(error)")
        }
        // The holder dies without cleaning up: the kernel drops its flock, nothing stale remains.
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        XCTAssertEqual(child.terminationReason, .uncaughtSignal)
        let lock = try StateLock.acquire(forState: state, holder: LockHolder(pid: 1, host: "next", startedAt: start))
        XCTAssertEqual(
            String(decoding: fileBytes(state + ".lock") ?? [], as: UTF8.self),
            #"{"host":"next","pid":1,"started_at":"2026-11-25T09:00:00Z"}"# + "\n",
            "the dead holder's details are replaced")
        lock.release()
    }

    func testWaitingAcquirerGetsTheLockWhenTheHolderFinishes() throws {
        let folder = try makeTemporaryFolder(self)
        let state = folder + "/keysync.state.json"
        let child = try holdLockInChild(state, for: 1)
        let lock = try StateLock.acquire(
            forState: state, holder: .current(startedAt: start), timeout: .seconds(120), pollInterval: .milliseconds(20))
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0, "the child was not killed: it finished and let go")
        lock.release()
    }

    func testWaitingAcquirerGivesUpAfterTheTimeout() throws {
        let folder = try makeTemporaryFolder(self)
        let state = folder + "/keysync.state.json"
        let child = try holdLockInChild(state, for: 600)
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        XCTAssertThrowsError(try StateLock.acquire(
            forState: state, holder: .current(startedAt: start), timeout: .milliseconds(250), pollInterval: .milliseconds(50))
        ) { error in
            guard case .held(_, let holder, let waited)? = error as? StateLockError else { return XCTFail("\(error)") }
            XCTAssertEqual(holder?.pid, child.processIdentifier)
            XCTAssertEqual(waited, .milliseconds(250))
            XCTAssertTrue("\(error)".contains("after waiting 0.25 seconds"), "\(error)")
        }
    }
}
