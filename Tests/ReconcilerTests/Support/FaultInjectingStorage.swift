import Reconciler

/// One step of a `DurableStorage`: an operation on a path, as seen from outside.
struct StorageStep: Hashable, Sendable, CustomStringConvertible {
    public enum Operation: String, Hashable, Sendable {
        case write, copy, append, remove, createDirectory = "create-directory"
    }

    public var operation: Operation
    /// The path written or created (for `copy`, the destination).
    public var path: String

    public init(_ operation: Operation, _ path: String) {
        self.operation = operation
        self.path = path
    }

    public var description: String { "\(operation.rawValue) \(path)" }
}

/// A place where a simulated crash can stop an apply: just before a step (nothing of it on
/// disk) or just after it (the step complete and durable).
enum FailurePoint: Hashable, Sendable, CustomStringConvertible {
    case before(StorageStep)
    case after(StorageStep)

    public var description: String {
        switch self {
        case .before(let step): "before \(step)"
        case .after(let step): "after \(step)"
        }
    }
}

/// Wraps a storage and throws (a `StorageError` with the operation `crash`) at one chosen `FailurePoint`, recording every
/// point it passes, so crash tests can stop an apply at each step in turn.
///
/// The usual loop: run once with `failAt: nil` to learn `points`, then once per point on a
/// fresh copy of the files, checking the invariants after each stop. After the failure every
/// further call throws too, as if the process had died.
final class FaultInjectingStorage<Base: DurableStorage>: DurableStorage {
    public let base: Base
    public let failAt: FailurePoint?
    /// Which arrival at `failAt` fails (1 for the first): an apply appends to its audit log
    /// twice, so the same point can be reached more than once.
    public let occurrence: Int
    /// Every point reached so far, in order (including the one that failed).
    public private(set) var points: [FailurePoint] = []
    public private(set) var hasFailed = false

    public init(_ base: Base, failAt: FailurePoint? = nil, occurrence: Int = 1) {
        self.base = base
        self.failAt = failAt
        self.occurrence = occurrence
    }

    public func read(_ path: String) throws(StorageError) -> [UInt8]? {
        try base.read(path)
    }

    public func write(_ bytes: [UInt8], to path: String) throws(StorageError) {
        try step(StorageStep(.write, path)) { () throws(StorageError) in try base.write(bytes, to: path) }
    }

    public func copy(_ source: String, to destination: String) throws(StorageError) {
        try step(StorageStep(.copy, destination)) { () throws(StorageError) in try base.copy(source, to: destination) }
    }

    public func createDirectory(_ path: String) throws(StorageError) {
        try step(StorageStep(.createDirectory, path)) { () throws(StorageError) in try base.createDirectory(path) }
    }

    public func append(_ bytes: [UInt8], to path: String, keepingFirst length: Int) throws(StorageError) {
        try step(StorageStep(.append, path)) { () throws(StorageError) in
            try base.append(bytes, to: path, keepingFirst: length)
        }
    }

    public func remove(_ path: String) throws(StorageError) {
        try step(StorageStep(.remove, path)) { () throws(StorageError) in try base.remove(path) }
    }

    public func entries(in path: String) throws(StorageError) -> [String]? {
        try base.entries(in: path)
    }

    public func ensureWritable(_ path: String) throws(StorageError) {
        try base.ensureWritable(path)
    }

    /// Not a write point: a crash before or after taking the lock writes nothing.
    public func lock(forState statePath: String, holder: LockHolder, timeout: Duration) throws(StateLockError) -> StateLock {
        try base.lock(forState: statePath, holder: holder, timeout: timeout)
    }

    private func step(_ step: StorageStep, _ body: () throws(StorageError) -> Void) throws(StorageError) {
        try reach(.before(step))
        try body()
        try reach(.after(step))
    }

    /// The simulated crash is a `StorageError` (operation `crash`) so apply handles it exactly
    /// like a real failure, through its one error path.
    private func reach(_ point: FailurePoint) throws(StorageError) {
        guard !hasFailed else {
            throw StorageError(operation: "crash", path: "\(point)", code: 0, reason: "the storage already crashed")
        }
        points.append(point)
        if point == failAt && points.filter({ $0 == point }).count == occurrence {
            hasFailed = true
            throw StorageError(operation: "crash", path: "\(point)", code: 0, reason: "simulated crash")
        }
    }
}
