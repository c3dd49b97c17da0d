#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The real `DurableStorage`: temporary file in the same folder, `fsync`, `rename`, `fsync` of
/// the folder.
///
/// Same folder because `rename` is atomic only within one file system; the folder's `fsync`
/// makes the rename itself durable (without it a crash can bring back the old name). The
/// temporary file is named `.<name>.tmp-<uuid>`, created exclusively with the final file's mode,
/// and unlinked on any failure. It holds only what the final file will hold (callers pass
/// ciphertext, never raw keys), and a crash (not an error) is the only way one is left behind.
public struct FileSystemStorage: DurableStorage, Sendable {
    /// Permissions of written files (before the umask). Sealed files are ciphertext and the
    /// state holds only hashes, so both may be readable by the repository's users.
    public var mode: mode_t

    public init(mode: mode_t = 0o644) {
        self.mode = mode
    }

    public func read(_ path: String) throws(StorageError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw Self.failure("read", path)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.failure("read", path)
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }

    public func write(_ bytes: [UInt8], to path: String) throws(StorageError) {
        let (folder, name) = Self.split(path)
        let temporary = folder + "/." + name + ".tmp-" + UUID().uuidString
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Self.failure("create a temporary file for", path) }
        var closed = false
        do throws(StorageError) {
            try Self.writeAll(bytes, to: fd, path: temporary)
            guard fsync(fd) == 0 else { throw Self.failure("sync", temporary) }
            closed = true
            guard close(fd) == 0 else { throw Self.failure("close", temporary) }
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let failure = Self.failure("rename a temporary file to", path)
            unlink(temporary)
            throw failure
        }
        try Self.syncDirectory(folder)
    }

    public func copy(_ source: String, to destination: String) throws(StorageError) {
        guard let bytes = try read(source) else {
            throw StorageError(operation: "copy", path: source, code: ENOENT, reason: "no such file")
        }
        try write(bytes, to: destination)
    }

    public func createDirectory(_ path: String) throws(StorageError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw StorageError(operation: "create folder", path: path, code: EEXIST, reason: "a file is in the way")
        }
        let (parent, _) = Self.split(path)
        if parent != path { try createDirectory(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw Self.failure("create folder", path)
        }
        try Self.syncDirectory(parent)
    }

    // MARK: helpers

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(StorageError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            offset += written
        }
    }

    private static func syncDirectory(_ folder: String) throws(StorageError) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open folder", folder) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("sync folder", folder) }
    }

    /// The folder (`.` for a bare name) and the last component of `path`.
    static func split(_ path: String) -> (folder: String, name: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return (".", String(trimmed)) }
        let folder = trimmed[..<slash]
        return (folder.isEmpty ? "/" : String(folder), String(trimmed[trimmed.index(after: slash)...]))
    }

    private static func failure(_ operation: String, _ path: String) -> StorageError {
        let code = errno
        return StorageError(operation: operation, path: path, code: code, reason: String(cString: strerror(code)))
    }
}

// The C calls, under names that the methods `read` and `write` do not shadow.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
