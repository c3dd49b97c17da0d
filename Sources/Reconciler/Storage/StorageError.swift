/// A file-system call that failed, with the operation, the path and the system's reason.
///
/// Carries only paths and errno, never file contents, so it is safe to print and log.
public struct StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    /// The `errno` value, 0 when the failure did not come from a system call.
    public var code: Int32
    public var reason: String

    public init(operation: String, path: String, code: Int32, reason: String) {
        self.operation = operation
        self.path = path
        self.code = code
        self.reason = reason
    }

    public var description: String {
        return "cannot \(operation) \(path): \(reason)"
    }
}
