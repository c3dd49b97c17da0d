import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Makes Swift Concurrency's global executor the NIO event loops the server already runs, once
/// per process (`keysync serve` only; tests keep the default pool).
///
/// Why: Hummingbird runs each connection's handler in a task. On the default executor that
/// task lives on Swift's own thread pool, so every request crosses threads twice (the event
/// loop hands the request to a pool thread, which hands the response back) — on two cores,
/// shared with the load generator, those wake-ups were about a third of the server's CPU and
/// most of its tail latency. Nothing on the request path blocks (the decision is pure, usage is
/// a buffered append), and the blocking work — a state reload, the SQLite writes — runs on
/// threads of its own (`StateWatcher.offPool`, GRDB's queue), so event loops stay free.
func runConcurrencyOnEventLoops() {
    installed.withLockedValue { done in
        guard !done else { return }
        done = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}

private let installed = NIOLockedValueBox(false)
