/// The file-system seam of `apply`: every byte it leaves on disk goes through here.
///
/// What must hold for every implementation: after `write` returns, the file holds exactly the
/// new bytes and survives a crash or power loss; before it returns, readers see the old file
/// or none, never a torn one. That is what lets apply order its writes (sealed files, then the
/// state, then the audit log) and reason about a crash between any two of them.
///
/// Tests wrap the real implementation in `FaultInjectingStorage` to stop an apply at any step.
public protocol DurableStorage {
    /// The file's bytes, or `nil` when there is no file at `path`.
    func read(_ path: String) throws(StorageError) -> [UInt8]?
    /// Atomically and durably replaces (or creates) the file at `path` with `bytes`.
    ///
    /// The bytes may pass through a temporary file in the same folder; it holds exactly `bytes`
    /// (callers give sealed, never raw, key material) and is gone once `write` returns or throws.
    func write(_ bytes: [UInt8], to path: String) throws(StorageError)
    /// Durably copies `source` to `destination` with the same guarantees as `write`.
    func copy(_ source: String, to destination: String) throws(StorageError)
    /// Creates the folder and any missing parents, durably; no error when it exists.
    func createDirectory(_ path: String) throws(StorageError)
}

extension DurableStorage {
    /// Replaces the file at `path`, first keeping its current content as `<path>.backup` so the
    /// previous version survives a bad apply (as Terraform's local backend does). The backup is
    /// complete and durable before the new file is written; with no previous file, no backup.
    public func writeKeepingBackup(_ bytes: [UInt8], to path: String) throws(StorageError) {
        if try read(path) != nil {
            try copy(path, to: Self.backupPath(for: path))
        }
        try write(bytes, to: path)
    }

    /// `<path>.backup`.
    public static func backupPath(for path: String) -> String { path + ".backup" }
}
