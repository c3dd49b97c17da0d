import Foundation

/// The PostgreSQL password, held so that no way of printing a `PostgresBackend` shows it:
/// interpolation, `String(reflecting:)`, `dump` and a debugger's summary all print
/// `<redacted>`. Only the connection code reads `text`.
public struct PostgresPassword: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    let text: String

    public init(_ text: String) {
        self.text = text
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    /// No children: `dump` and mirrors stop here instead of walking into `text`.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// The largest password file read (a secret is a line, not a file to stream).
    static let fileLimit = 4096

    /// The first line of the file at `path` (a mounted secret; symbolic links are followed,
    /// as Kubernetes mounts its secrets through them). Only a regular file of at most
    /// `fileLimit` bytes is read, so a device or a pipe named by mistake is refused instead
    /// of read forever. Errors name the file, never its content.
    static func firstLine(ofFile path: String) throws(PostgresBackend.URLError) -> String {
        func refused(_ reason: String) -> PostgresBackend.URLError {
            PostgresBackend.URLError(description: "KEYSYNC_PG_PASSWORD_FILE \(path) \(reason)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw refused("cannot be read") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw refused("cannot be read") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw refused("is not a regular file; it must hold the password on its first line")
        }
        guard info.st_size <= fileLimit else {
            throw refused("is larger than \(fileLimit) bytes; it must hold only the password on its first line")
        }
        var bytes = [UInt8](repeating: 0, count: fileLimit + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw refused("cannot be read") }
            if count == 0 { break }
            filled += count
        }
        // The file grew after fstat: the same limit applies to what was read.
        guard filled <= fileLimit else {
            throw refused("is larger than \(fileLimit) bytes; it must hold only the password on its first line")
        }
        guard let text = String(validating: bytes[..<filled], as: UTF8.self) else {
            throw refused("is not UTF-8 text")
        }
        return String(text.prefix { !$0.isNewline })
    }
}
