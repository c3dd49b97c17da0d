import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Wall time and peak resident memory of one child process, read with `wait4` by the small
/// `bench/rusage.c` helper, so keysync and its floors (a C program, the `age` CLI) are measured
/// the same way, start-up included, and none inherits the benchmark's own peak memory (Linux
/// keeps a process's peak RSS across `execve`).
struct ProcessMeasurement {
    var seconds: Double
    var peakMemoryBytes: Int
}

enum MeasurementError: Error, CustomStringConvertible {
    case spawnFailed(String, Int32)
    case failed(String, Int32, String)

    var description: String {
        switch self {
        case .spawnFailed(let cmd, let errno): return "could not start \(cmd): errno \(errno)"
        case .failed(let cmd, let status, let stderr): return "\(cmd) exited \(status): \(stderr)"
        }
    }
}

/// The `bench/rusage.c` helper's path; set once from `--rusage` before anything is measured.
nonisolated(unsafe) var rusageHelper = ".build-bench/rusage"

/// Runs `arguments[0]` with the rest as arguments; stdout goes to /dev/null, stderr to a file
/// that is shown when the exit status is not in `acceptedStatuses`.
func measureProcess(
    _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
    acceptedStatuses: Set<Int32> = [0]
) throws -> ProcessMeasurement {
    let errPath = NSTemporaryDirectory() + "keysync-bench-stderr-\(getpid())"
    let usagePath = NSTemporaryDirectory() + "keysync-bench-rusage-\(getpid())"
    let arguments = [rusageHelper, usagePath] + arguments
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { _, new in new }
    let envStrings = env.map { "\($0)=\($1)" }

    let argv = arguments.map { strdup($0) } + [nil]
    let envp = envStrings.map { strdup($0) } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
    guard rc == 0 else { throw MeasurementError.spawnFailed(arguments[0], rc) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    if !acceptedStatuses.contains(exitStatus) {
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        throw MeasurementError.failed(arguments.dropFirst(2).joined(separator: " "), exitStatus, String(err.prefix(2000)))
    }
    unlink(errPath)
    let report = ((try? String(contentsOfFile: usagePath, encoding: .utf8)) ?? "").split(separator: " ")
    unlink(usagePath)
    guard report.count == 2, let seconds = Double(report[0]),
          let bytes = Int(report[1].trimmingCharacters(in: .whitespacesAndNewlines))
    else { throw MeasurementError.failed(rusageHelper, exitStatus, "no measurement written") }
    return ProcessMeasurement(seconds: seconds, peakMemoryBytes: bytes)
}

/// Median of `runs` measurements (and the largest peak memory seen): one slow outlier from the
/// other core's load does not decide a figure.
func medianOf(_ runs: Int, _ body: () throws -> ProcessMeasurement) rethrows -> ProcessMeasurement {
    var samples: [ProcessMeasurement] = []
    for _ in 0..<max(1, runs) { samples.append(try body()) }
    let times = samples.map(\.seconds).sorted()
    return ProcessMeasurement(
        seconds: times[times.count / 2], peakMemoryBytes: samples.map(\.peakMemoryBytes).max() ?? 0)
}
