import Foundation

/// Reads one state file on its own (no audit log, no sealed folder), for what must stand by
/// itself: a saved base-branch copy (`plan --previous-state`), tests. Commands reading the
/// repository use `RepositoryReader`, which also checks the state against the audit log.
public enum StateFileReader {
    /// A missing file is the empty state (first run); anything unreadable or invalid is an
    /// error, and so is a symbolic link or anything but a regular file.
    public static func read(at path: String, storage: some DurableStorage = FileSystemStorage()) throws(StateFileError) -> StateFile {
        let bytes: [UInt8]?
        do {
            bytes = try storage.read(path)
        } catch {
            throw StateFileError(.unreadable("\(error)"))
        }
        guard let bytes else { return .empty }
        return try StateFile.decode(Data(bytes))
    }
}
