import Foundation
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Where `keysync serve`'s work runs: one event loop per core the process may use, and, when
/// that is a single core, the request handlers on that loop's thread too.
///
/// Why: NIO sizes its default group by the machine's cores (or a cgroup quota), not by the
/// process's affinity mask, so a server pinned to one core (`taskset -c 0`) ran two event loops
/// plus Swift's cooperative pool on that core, and every request crossed threads twice (the
/// loop hands the request to a pool thread; the pool thread hands the response back), each
/// crossing a wake-up and a context switch on the one core. On one core nothing runs in
/// parallel anyway, so the handler runs on the loop that read the request, with no hand-off.
/// Work that can take milliseconds (usage batches, state reloads, the backend's sync) is kept
/// off that loop by `OffLoopService`, so it never stalls requests behind it.
enum ServerThreads {
    /// The cores this process may run on (its affinity mask, as `taskset` sets it: the
    /// `Cpus_allowed` mask of /proc/self/status, since glibc's `sched_getaffinity` is not
    /// visible to Swift), never more than NIO's count (which follows cgroup limits).
    static let usableCores: Int = {
        let allowed = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("Cpus_allowed:") }?
            .dropFirst("Cpus_allowed:".count)
        let count = allowed?.reduce(0) { $0 + ($1.hexDigitValue?.nonzeroBitCount ?? 0) } ?? 0
        return count > 0 ? min(count, System.coreCount) : System.coreCount
    }()

    /// The process's event loops, created once like NIO's singleton (never shut down).
    static let eventLoopGroup: MultiThreadedEventLoopGroup =
        .init(numberOfThreads: usableCores)

    /// With a single loop, the executor that runs async work on it; `nil` with several loops
    /// (a connection's task could land on another loop's thread than its channel's).
    static let loopExecutor: EventLoopTaskExecutor? =
        usableCores == 1 ? EventLoopTaskExecutor(eventLoopGroup.next()) : nil

    /// Runs `body` with its child tasks (the HTTP server's connections among them) on the one
    /// event loop when there is one usable core; as is otherwise.
    static func run(_ body: () async throws -> Void) async throws {
        guard let loopExecutor else { return try await body() }
        try await withTaskExecutorPreference(loopExecutor) { try await body() }
    }
}

/// Runs the jobs of the tasks that prefer it on one NIO event loop (SE-0417 task executor).
/// A job enqueued from the loop itself (a handler resuming after its response write) goes onto
/// the loop's task queue without waking any thread.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A service whose work may take milliseconds at a time (a usage batch, a state reload, a
/// database round trip), run on Swift's global executor whatever its parent task prefers, so
/// it never holds the event loop that answers requests.
struct OffLoopService: Service, CustomStringConvertible {
    let base: any Service

    /// The wrapped service's name, so ServiceLifecycle's logs name the service as before.
    var description: String { String(describing: base) }

    func run() async throws {
        try await withTaskExecutorPreference(globalConcurrentExecutor) { try await base.run() }
    }
}
