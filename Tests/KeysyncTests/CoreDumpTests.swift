import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `apply`, `unseal` and `keygen` turn core dumps off before they touch a secret. Each test
/// starts the real binary with a non-zero core limit, catches it while it waits (on the state
/// lock, on standard input, on a full standard output) and reads its limits from /proc.
final class CoreDumpTests: XCTestCase {
    override func setUpWithError() throws {
        #if !os(Linux)
        throw XCTSkip("reads /proc")
        #else
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
        if limit.rlim_max == 0 { throw XCTSkip("the hard core-size limit is already 0 here; the test could not fail") }
        #endif
    }

    /// Starts `keysync arguments` through sh, which first raises the soft core limit to the hard
    /// one, so a command that forgot to lower it shows a non-zero limit. `user` runs it as
    /// another uid (setpriv), for the dumpable check.
    private func start(_ arguments: [String], in dir: URL, stdin: Pipe, stdout: Pipe, user: Int? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let setpriv = user.map { "setpriv --reuid=\($0) --regid=\($0) --clear-groups " } ?? ""
        process.arguments = ["-c", "ulimit -S -c \"$(ulimit -H -c)\" && exec \(setpriv)\"$@\"", "sh",
                             Keysync.binary.path] + arguments
        process.environment = Keysync.environment()
        process.currentDirectoryURL = dir
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    struct TimedOut: Error { var what: String }

    /// Polls until `condition` holds; fails the test after 20 seconds.
    private func eventually(_ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            guard Date() < deadline else { throw TimedOut(what: what) }
            usleep(20_000)
        }
    }

    private func procText(_ pid: Int32, _ name: String) -> String {
        (try? String(contentsOfFile: "/proc/\(pid)/\(name)", encoding: .utf8)) ?? ""
    }

    /// Where each of `pid`'s threads waits: the command's blocking read or write may run on a
    /// thread other than the main one (the root command is async).
    private func waitChannels(_ pid: Int32) -> String {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.map { procText(pid, "task/\($0)/wchan") }.joined(separator: " ")
    }

    /// The soft and hard "Max core file size" of `pid`.
    private func coreLimits(_ pid: Int32) -> [String] {
        let line = procText(pid, "limits").split(separator: "\n").first { $0.hasPrefix("Max core file size") } ?? ""
        return line.dropFirst("Max core file size".count).split(separator: " ").prefix(2).map(String.init)
    }

    private func isKeysync(_ pid: Int32) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))?.hasSuffix("/keysync") ?? false
    }

    func testApplyWaitingForTheStateLockHasNoCoreLimit() throws {
        let dir = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let lockPath = dir.appendingPathComponent("keysync.state.json.lock").path
        let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        let apply = try start(["apply", "--lock-timeout", "1m"], in: dir, stdin: Pipe(), stdout: Pipe())
        let pid = apply.processIdentifier
        // Waiting for the lock means it has the lock file open: run() has begun.
        try eventually("apply opens \(lockPath)") {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return isKeysync(pid) && fds.contains {
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == lockPath
            }
        }
        XCTAssertEqual(coreLimits(pid), ["0", "0"], procText(pid, "limits"))
        flock(fd, LOCK_UN)
        close(fd)
        apply.waitUntilExit()
        XCTAssertEqual(apply.terminationStatus, 1, "no keys.yaml here: apply stops after the lock")
    }

    func testUnsealWaitingForTheSealedFileIsNotDumpableAndHasNoCoreLimit() throws {
        let dir = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try Keysync.run(["keygen", "-o", "id.txt"], in: dir).exitCode, 0)
        // Readable by the unprivileged user below; the identity is a throwaway.
        chmod(dir.appendingPathComponent("id.txt").path, 0o644)
        chmod(dir.path, 0o755)
        let asRoot = getuid() == 0
        let stdin = Pipe()
        let unseal = try start(["unseal", "-", "-i", "id.txt"], in: dir, stdin: stdin, stdout: Pipe(),
                               user: asRoot ? 65534 : nil)
        let pid = unseal.processIdentifier
        try eventually("unseal reads standard input") { isKeysync(pid) && waitChannels(pid).contains("pipe_read") }
        XCTAssertEqual(coreLimits(pid), ["0", "0"], procText(pid, "limits"))
        if asRoot {
            // The kernel gives a non-dumpable process's /proc entries to root: the process runs
            // as uid 65534, so a root owner shows that PR_SET_DUMPABLE is 0.
            XCTAssertTrue(procText(pid, "status").contains("Uid:\t65534"), procText(pid, "status"))
            let owner = try FileManager.default.attributesOfItem(atPath: "/proc/\(pid)/status")[.ownerAccountID] as? Int
            XCTAssertEqual(owner, 0, "/proc/\(pid) of a dumpable process would belong to 65534")
        }
        try stdin.fileHandleForWriting.close()
        unseal.waitUntilExit()
        XCTAssertEqual(unseal.terminationStatus, 1, "empty standard input is not an age file")
    }

    func testKeygenBlockedOnAFullStandardOutputHasNoCoreLimit() throws {
        let dir = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        // Fill the pipe first, so keygen's first write blocks while it holds the new identity.
        let stdout = Pipe()
        let writeEnd = stdout.fileHandleForWriting.fileDescriptor
        let flags = fcntl(writeEnd, F_GETFL)
        _ = fcntl(writeEnd, F_SETFL, flags | O_NONBLOCK)
        let filler = [UInt8](repeating: UInt8(ascii: "#"), count: 4096)
        var filled = 0
        while true {
            let n = filler.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            filled += n
        }
        _ = fcntl(writeEnd, F_SETFL, flags)
        let keygen = try start(["keygen"], in: dir, stdin: Pipe(), stdout: stdout)
        let pid = keygen.processIdentifier
        try eventually("keygen blocks writing to standard output") { isKeysync(pid) && waitChannels(pid).contains("pipe_write") }
        XCTAssertEqual(coreLimits(pid), ["0", "0"], procText(pid, "limits"))
        // Drain: the filler, then the identity file keygen printed.
        try? stdout.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        keygen.waitUntilExit()
        XCTAssertEqual(keygen.terminationStatus, 0)
        XCTAssertTrue(String(decoding: output.dropFirst(filled), as: UTF8.self).contains("AGE-SECRET-KEY-1"))
    }
}
