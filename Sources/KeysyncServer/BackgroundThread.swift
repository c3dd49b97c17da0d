import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A thread for CPU work that no request waits for (SQLite's usage writes), at the lowest CPU
/// priority (nice 19), so that it runs in the time the request path leaves over.
///
/// Why: serve pinned to one core shares it between the event loop and the usage writer; a
/// second's batch is tens of milliseconds of SQLite work, and at the same priority the kernel
/// lets it run for whole time slices while requests wait, which set the server's p99 latency.
/// At nice 19 the event loop takes the core back as soon as it has work. The writer still
/// gets the core whenever the loop waits for the network, and the request log's buffer (its
/// bound and its drop count) covers a writer that falls behind; counts are never dropped.
final class BackgroundThread: Sendable {
    /// The process's one background thread, started on first use (never shut down).
    static let shared = BackgroundThread()

    private let pool: NIOThreadPool

    private init() {
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// Runs `body` on the background thread; the caller's task waits without holding a thread.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive {
            Self.lowerPriority()
            return try body()
        }
    }

    /// Nice 19 for the calling thread (on Linux `PRIO_PROCESS` with 0 names the calling thread,
    /// not the process). A failure leaves the thread as it was: only the latency is at stake.
    private static func lowerPriority() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        #endif
    }
}
