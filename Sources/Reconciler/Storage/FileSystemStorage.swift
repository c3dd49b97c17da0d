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
    /// `flock` on `<state>.lock`, never through a symbolic link (see `StateLock`).
    public func lock(forState statePath: String, holder: LockHolder, timeout: Duration) throws(StateLockError) -> StateLock {
        try StateLock.acquire(forState: statePath, holder: holder, timeout: timeout)
    }

    /// Permissions of written files (before the umask). Sealed files are ciphertext and the
    /// state holds only hashes, so both may be readable by the repository's users.
    public var mode: mode_t

    public init(mode: mode_t = 0o644) {
        self.mode = mode
    }

    public func read(_ path: String) throws(StorageError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            if errno == ELOOP { throw Self.symbolicLink("read", path) }
            throw Self.failure("read", path)
        }
        defer { close(fd) }
        try Self.requireRegularFile(fd, "read", path)
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
        // `rename` would replace a symbolic link rather than follow it, but a link or a folder
        // at the path is a hostile or broken repository: say so instead of papering over it.
        try Self.requireRegularFileOrNothing(at: path, "write")
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
        var info = stat()
        if lstat(path, &info) == 0 {
            if Self.isSymbolicLink(info) { throw Self.symbolicLink("use folder", path) }
            if Self.isDirectory(info) { return }
            throw StorageError(operation: "create folder", path: path, code: EEXIST, reason: "a file is in the way")
        }
        let (parent, _) = Self.split(path)
        if parent != path { try createDirectory(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw Self.failure("create folder", path)
        }
        try Self.syncDirectory(parent)
    }

    public func append(_ bytes: [UInt8], to path: String, keepingFirst length: Int) throws(StorageError) {
        var fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        var created = false
        if fd < 0 && errno == ENOENT && length == 0 {
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
            created = true
        }
        if fd < 0 {
            if errno == ELOOP { throw Self.symbolicLink("append to", path) }
            throw Self.failure("append to", path)
        }
        defer { close(fd) }
        try Self.requireRegularFile(fd, "append to", path)
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.failure("append to", path) }
        guard Int(info.st_size) >= length else {
            throw StorageError(operation: "append to", path: path, code: 0,
                               reason: "the file is shorter (\(info.st_size) bytes) than what was read (\(length) bytes)")
        }
        if Int(info.st_size) != length {
            // Only a half-written line (no line break in it) may be cut: never a complete line.
            var tail = [UInt8](repeating: 0, count: Int(info.st_size) - length)
            let got = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(length)) }
            guard got == tail.count, !tail.contains(UInt8(ascii: "\n")) else {
                throw StorageError(operation: "append to", path: path, code: 0,
                                   reason: "it changed since it was read (complete lines past byte \(length))")
            }
            guard ftruncate(fd, off_t(length)) == 0 else { throw Self.failure("cut a half-written line of", path) }
        }
        guard lseek(fd, off_t(length), SEEK_SET) >= 0 else { throw Self.failure("append to", path) }
        try Self.writeAll(bytes, to: fd, path: path)
        guard fsync(fd) == 0 else { throw Self.failure("sync", path) }
        if created { try Self.syncDirectory(Self.split(path).folder) }
    }

    public func remove(_ path: String) throws(StorageError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw Self.failure("remove", path)
        }
        guard !Self.isDirectory(info) else {
            throw StorageError(operation: "remove", path: path, code: EISDIR, reason: "it is a folder")
        }
        guard unlink(path) == 0 || errno == ENOENT else { throw Self.failure("remove", path) }
        try Self.syncDirectory(Self.split(path).folder)
    }

    public func ensureWritable(_ path: String) throws(StorageError) {
        try Self.requireRegularFileOrNothing(at: path, "write")
    }

    public func entries(in path: String) throws(StorageError) -> [String]? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw Self.failure("list", path)
        }
        if Self.isSymbolicLink(info) { throw Self.symbolicLink("list", path) }
        guard Self.isDirectory(info) else {
            throw StorageError(operation: "list", path: path, code: ENOTDIR, reason: "it is not a folder")
        }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw StorageError(operation: "list", path: path, code: 0, reason: error.localizedDescription)
        }
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

    private static func requireRegularFile(_ fd: Int32, _ operation: String, _ path: String) throws(StorageError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(operation, path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw StorageError(operation: operation, path: path, code: EINVAL,
                               reason: "it is not a regular file; keysync reads and writes only regular files here")
        }
    }

    private static func requireRegularFileOrNothing(at path: String, _ operation: String) throws(StorageError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if isSymbolicLink(info) { throw symbolicLink(operation, path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw StorageError(operation: operation, path: path, code: EINVAL,
                               reason: "it is not a regular file; keysync reads and writes only regular files here")
        }
    }

    static func isSymbolicLink(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFLNK }
    static func isDirectory(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFDIR }

    /// The error for a symbolic link where keysync expects its own file or folder. A committed
    /// link could point at a secret CI can read (which would then land in git) or outside the
    /// repository (where sealed files would be lost).
    static func symbolicLink(_ operation: String, _ path: String) -> StorageError {
        StorageError(operation: operation, path: path, code: ELOOP,
                     reason: "it is a symbolic link; keysync never reads or writes through one (replace it with the file itself, or remove it)")
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
