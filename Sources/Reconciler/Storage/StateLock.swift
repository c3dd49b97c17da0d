#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Who holds the state lock, as written into the lock file so a waiting apply can name it.
public struct LockHolder: Equatable, Sendable, Codable, CustomStringConvertible {
    public var pid: Int32
    public var host: String
    /// RFC 3339, UTC.
    public var startedAt: String

    public init(pid: Int32, host: String, startedAt: Date) {
        self.pid = pid
        self.host = host
        self.startedAt = Timestamp.format(Date(timeIntervalSince1970: startedAt.timeIntervalSince1970.rounded(.down)))
    }

    /// This process on this machine, starting at `now` (the clock stays a parameter).
    public static func current(startedAt now: Date) -> LockHolder {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : "unknown-host"
        return LockHolder(pid: getpid(), host: host, startedAt: now)
    }

    public var description: String { "pid \(pid) on \(host) since \(startedAt)" }

    enum CodingKeys: String, CodingKey {
        case pid, host
        case startedAt = "started_at"
    }
}

/// Why the state lock could not be taken.
public enum StateLockError: Error, Equatable, Sendable, CustomStringConvertible, DiagnosticConvertible {
    /// Another live process holds it; `holder` is `nil` when its details could not be read
    /// (it is still writing them, or an older tool holds the lock).
    case held(lockFile: String, holder: LockHolder?, waited: Duration)
    /// The lock file could not be opened or locked at all.
    case unavailable(StorageError)

    public var diagnosticCode: DiagnosticCode {
        switch self {
        case .held: .stateLocked
        case .unavailable: .stateLockUnavailable
        }
    }

    public var description: String {
        switch self {
        case .held(let lockFile, let holder, let waited):
            let who = holder.map { "\($0)" } ?? "another process"
            let after = waited > .zero ? " after waiting \(waited)" : ""
            return "the state is locked by \(who) (\(lockFile))\(after); wait for that apply to finish or raise --lock-timeout"
        case .unavailable(let error):
            return "cannot lock the state: \(error)"
        }
    }
}

/// An exclusive `flock` on `<state>.lock`, held for a whole apply so two applies never
/// interleave their writes.
///
/// Why `flock`: the kernel releases it when the holding process dies, however it dies, so a
/// crashed apply never leaves a lock that blocks the next one; there is nothing stale to clean
/// up. The lock file itself stays (deleting it would race with a waiter that has it open); keep
/// it out of git. Locks belong to the open file, so two `StateLock`s in one process exclude each
/// other too. `flock` on network file systems is only as good as their emulation of it.
public final class StateLock {
    /// `<state>.lock`.
    public let lockFile: String
    public let holder: LockHolder
    private var fd: Int32

    private init(lockFile: String, holder: LockHolder, fd: Int32) {
        self.lockFile = lockFile
        self.holder = holder
        self.fd = fd
    }

    deinit { release() }

    /// The lock file that guards `statePath`.
    public static func lockFile(forState statePath: String) -> String { statePath + ".lock" }

    /// Takes the lock for the state at `statePath` (its folder must exist), waiting up to
    /// `timeout` for another holder to finish: `.zero` tries once and fails at once. Then writes
    /// `holder` into the lock file for whoever waits next.
    public static func acquire(
        forState statePath: String, holder: LockHolder, timeout: Duration = .zero,
        pollInterval: Duration = .milliseconds(100)
    ) throws(StateLockError) -> StateLock {
        let path = lockFile(forState: statePath)
        // Never through a symbolic link (a committed `<state>.lock -> /some/file` would be
        // truncated), and only a regular file.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
        guard fd >= 0 else {
            if errno == ELOOP { throw .unavailable(FileSystemStorage.symbolicLink("open the lock file", path)) }
            throw .unavailable(systemError("open the lock file", path))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .unavailable(StorageError(operation: "open the lock file", path: path, code: EINVAL,
                                            reason: "it is not a regular file; keysync reads and writes only regular files here"))
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let error = systemError("lock", path)
                close(fd)
                throw .unavailable(error)
            }
            guard clock.now < deadline else {
                let current = readHolder(fd)
                close(fd)
                throw .held(lockFile: path, holder: current, waited: timeout)
            }
            let pause = min(pollInterval, deadline - clock.now)
            if pause > .zero {
                let (seconds, attoseconds) = pause.components
                var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
                nanosleep(&request, nil)
            }
        }
        var line = (try? JSONWriter.encode(holder, layout: .compact)) ?? []
        line.append(UInt8(ascii: "\n"))
        _ = ftruncate(fd, 0)
        _ = line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return StateLock(lockFile: path, holder: holder, fd: fd)
    }

    /// Empties the lock file and releases the lock; also done on deinit, and by the kernel if the
    /// process dies. Calling it again does nothing.
    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        _ = flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    private static func readHolder(_ fd: Int32) -> LockHolder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return try? JSONDecoder().decode(LockHolder.self, from: Data(buffer[..<count]))
    }

    private static func systemError(_ operation: String, _ path: String) -> StorageError {
        let code = errno
        return StorageError(operation: operation, path: path, code: code, reason: String(cString: strerror(code)))
    }
}

extension StateLockError {
    /// The message names the lock file; `file`, when given, is where the diagnostic points.
    public func diagnostic(file: String?) -> Diagnostic {
        .error(diagnosticCode, description, at: file.map { SourceLocation(file: $0, line: 1, column: 1) })
    }
}
