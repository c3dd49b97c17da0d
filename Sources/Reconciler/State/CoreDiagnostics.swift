import KeysyncCore
import Manifest

// The core's errors as the one `Diagnostic` the command line prints. The core knows nothing of
// diagnostics (an API server links it without the manifest reader); this is where they meet.

extension StateFileError {
    /// The shared diagnostic, pointing into the state file (at its start when the place is unknown).
    public func diagnostic(file: String) -> Diagnostic {
        .error(code, message, hint: hint,
               at: SourceLocation(file: file, line: line ?? 1, column: column ?? 1))
    }
}

extension StateSignatureError {
    public func diagnostic(file: String?) -> Diagnostic {
        .error(code, message, hint: hint, at: file.map { SourceLocation(file: $0, line: 1, column: 1) })
    }
}
