import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOConcurrencyHelpers
import KeysyncCore
import ServiceLifecycle
import UnixSignals

/// Holds the snapshot requests read; the watcher swaps it whole. Readers take the lock only to
/// copy a reference-counted value, so a reload never makes a request wait on file I/O.
public final class SnapshotHolder: Sendable {
    private let box: NIOLockedValueBox<StateSnapshot>

    init(_ snapshot: StateSnapshot) { box = NIOLockedValueBox(snapshot) }

    public var current: StateSnapshot { box.withLockedValue { $0 } }

    func replace(with snapshot: StateSnapshot) { box.withLockedValue { $0 = snapshot } }
}

/// A file's identity for change detection: device, inode, size and modification time. An
/// atomic replace (rename) changes the inode; an edit in place changes size or mtime.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: UInt64
    var modified: Date

    init?(path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        device = (attributes[.systemNumber] as? NSNumber)?.uint64Value ?? 0
        inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        modified = attributes[.modificationDate] as? Date ?? .distantPast
    }
}

/// The `Service` that keeps the served state current: it polls the state file's identity every
/// `pollInterval` and reloads on SIGHUP. A new file must pass `StateLoader` (readable, signed,
/// same lineage, serial not lower); then it is swapped in atomically. A refused file leaves the
/// last good state in use, is logged with the reason and counted in metrics.
public final class StateWatcher: Service, Sendable {
    let holder: SnapshotHolder
    private let path: String
    private let trustedKey: StatePublicKey?
    private let pollInterval: Duration
    private let reloadOnSIGHUP: Bool
    private let clock: ServerClock
    private let metrics: ServerMetrics
    private let logger: Logger
    /// The identity of the file last looked at (loaded or refused), so a refused file is
    /// reported once, not on every poll.
    private let seen: NIOLockedValueBox<FileIdentity?>
    /// Serialises reloads (poll and SIGHUP may coincide).
    private let reloading = NIOLock()

    init(initial: StateSnapshot, path: String, trustedKey: StatePublicKey?, pollInterval: Duration,
         reloadOnSIGHUP: Bool, clock: ServerClock, metrics: ServerMetrics, logger: Logger) {
        holder = SnapshotHolder(initial)
        self.path = path
        self.trustedKey = trustedKey
        self.pollInterval = pollInterval
        self.reloadOnSIGHUP = reloadOnSIGHUP
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        seen = NIOLockedValueBox(FileIdentity(path: path))
        metrics.stateLoaded(initial)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            await withTaskGroup(of: Void.self) { group in
                if reloadOnSIGHUP {
                    group.addTask { [self] in
                        for await _ in await UnixSignalsSequence(trapping: .sighup) {
                            await offPool { self.reload(trigger: "SIGHUP") }
                        }
                    }
                }
                group.addTask { [self] in
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: pollInterval) } catch { return }
                        await offPool { self.reloadIfChanged() }
                    }
                }
                await group.waitForAll()
            }
        }
    }

    /// Runs `work` (reading and decoding a state: a second or so at 100k keys) on a thread of
    /// its own, so it never holds one of the few threads that run request handlers.
    private func offPool(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                work()
                done.resume()
            }
            thread.name = "keysync-state-reload"
            thread.start()
        }
    }

    /// Reloads when the file's identity differs from the one last looked at.
    func reloadIfChanged() {
        let identity = FileIdentity(path: path)
        guard identity != seen.withLockedValue({ $0 }) else { return }
        reload(trigger: "file changed")
    }

    /// Reads the file and swaps it in if it may replace the served state; returns whether the
    /// served state changed.
    @discardableResult
    public func reload(trigger: String) -> Bool {
        reloading.withLock {
            seen.withLockedValue { $0 = FileIdentity(path: path) }
            let current = holder.current
            let loaded = Result { () throws(StateLoadError) in
                try StateLoader.load(path: path, trustedKey: trustedKey, replacing: current, now: clock.now())
            }
            switch loaded {
            case .success(nil):
                return false
            case .success(let next?):
                holder.replace(with: next)
                returnFreedMemory()
                metrics.stateLoaded(next)
                metrics.reloads.increment()
                logger.notice("state reloaded", metadata: [
                    "trigger": "\(trigger)", "serial": "\(next.serial)", "previous_serial": "\(current.serial)",
                    "keys": "\(next.keyCount)",
                ])
                return true
            case .failure(let error):
                metrics.countReloadFailure(reason: error.metricLabel)
                logger.error("state not reloaded; still serving the last good state", metadata: [
                    "trigger": "\(trigger)", "serial": "\(current.serial)", "reason": "\(error.description)",
                ])
                return false
            }
        }
    }
}

/// Hands the heap freed by a state load (the decoded file, a replaced verifier) back to the
/// system: glibc keeps it otherwise, and at 100k keys that is a few hundred MB of resident memory.
func returnFreedMemory() {
    #if canImport(Glibc)
    // glibc's malloc_trim is not in Swift's Glibc module; looked up once, called with C's convention.
    if let trim = mallocTrim { _ = trim(0) }
    #endif
}

#if canImport(Glibc)
private let mallocTrim: (@convention(c) (Int) -> Int32)? = dlsym(nil, "malloc_trim").map {
    unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self)
}
#endif
