import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a sharded state's shard files are read from. Implementations refuse, naming the path,
/// a symbolic link or anything but a regular file (a shard) or folder (the shard folder): a path
/// in the repository is whoever merged the last pull request's choice.
public protocol StateShardSource {
    /// The bytes of the file at `path`, `nil` when there is none.
    func shardBytes(at path: String) throws(StateFileError) -> Data?
    /// Whether the shard folder exists (a folder, not a link to one).
    func shardFolderExists(at path: String) throws(StateFileError) -> Bool
}

/// The local file system, read without following symbolic links: for readers outside the
/// apply workflow (the server), which have no `DurableStorage`.
public struct LocalStateShardSource: StateShardSource {
    public init() {}

    public func shardBytes(at path: String) throws(StateFileError) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            if errno == ELOOP { throw Self.link(path) }
            throw StateFileError(.unreadable("\(path): \(String(cString: strerror(errno)))"))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw StateFileError(.unreadable("\(path): it is not a regular file"))
        }
        var bytes = Data(count: Int(info.st_size))
        var offset = 0
        while true {
            if offset == bytes.count { bytes.count += 64 * 1024 }
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw StateFileError(.unreadable("\(path): \(String(cString: strerror(errno)))"))
            }
            if count == 0 { break }
            offset += count
        }
        bytes.count = offset
        return bytes
    }

    public func shardFolderExists(at path: String) throws(StateFileError) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return false }
            throw StateFileError(.unreadable("\(path): \(String(cString: strerror(errno)))"))
        }
        if (info.st_mode & S_IFMT) == S_IFLNK { throw Self.link(path) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw StateFileError(.unreadable("\(path): it is not a folder")) }
        return true
    }

    private static func link(_ path: String) -> StateFileError {
        StateFileError(.unreadable("\(path): it is a symbolic link; keysync never reads through one"))
    }
}
