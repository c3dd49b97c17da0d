/// The file-system seam of `apply`: every byte it reads or leaves in the repository goes
/// through here.
///
/// What must hold for every implementation: a path in the repository is whoever merged the
/// last pull request's choice, so nothing is read or written through a symbolic link, and a
/// file must be a regular file (a folder, a folder) — anything else is an error naming the
/// path, with nothing read or written. After `write` returns, the file holds exactly the
/// new bytes and survives a crash or power loss; before it returns, readers see the old file
/// or none, never a torn one. That is what lets apply order its writes (sealed files, the audit
/// lines, the state, the audit log's completion line) and reason about a crash between any two.
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
    /// Cuts the file at `path` to its first `length` bytes (what a crash during an earlier
    /// append left half-written goes), then appends `bytes`, durably. Creates the file when
    /// there is none (`length` must then be 0). Costs what it appends, not the file's size.
    func append(_ bytes: [UInt8], to path: String, keepingFirst length: Int) throws(StorageError)
    /// Removes the file at `path` (a regular file or a link, never followed), durably; no error
    /// when nothing is there. For files no state refers to any more (replaced state shards).
    func remove(_ path: String) throws(StorageError)
    /// The names in the folder at `path`, `nil` when there is no folder.
    func entries(in path: String) throws(StorageError) -> [String]?
    /// Throws when something other than a regular file (a symbolic link, a folder) is at
    /// `path`; nothing there is fine. Lets apply refuse before its first write.
    func ensureWritable(_ path: String) throws(StorageError)
    /// Takes the apply lock that guards the state at `statePath` (`StateLock`), waiting up to
    /// `timeout` for another holder, and writes `holder` into it for whoever waits next. Held
    /// until the returned lock is released or dropped.
    func lock(forState statePath: String, holder: LockHolder, timeout: Duration) throws(StateLockError) -> StateLock
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
