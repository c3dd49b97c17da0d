import Foundation
import Logging

/// The I/O half of apply: puts a `PreparedApply` on disk through a `DurableStorage`, in the
/// one order that keeps every crash harmless and every change audited:
///
/// 1. the sealed files (each atomic and durable, never over an existing file), in
///    `layout.sealedDirectory`;
/// 2. the state's new shards, in the shard folder: content-addressed names, so a new shard
///    never replaces a file the current index names (a shard already there is not rewritten);
/// 3. the audit lines (`apply.began` and the key events), appended durably to the log's last
///    segment and the segments they open (`AuditLogEnd`), each durable before the next opens;
/// 4. the state's index, which records the log's head after step 3 and names the shards by
///    hash, the previous one first kept as `<state>.backup` — the commit point;
/// 5. `apply.completed`, appended;
/// 6. shards the new index does not name are removed.
///
/// A crash before step 4 completes leaves the old state: its index names only its own shards,
/// all still there; the new sealed files hold keys that were never valid (no state records
/// their hashes), new shards are unreferenced files, and the log shows an apply that began and
/// never completed; the next apply records it as `apply.incomplete` and uses a higher serial.
/// A crash after it leaves the new state with every key delivered and every event logged; only
/// `apply.completed` (written by the next apply) or the clean-up (done by the next apply) is
/// missing. Nothing is written for a plan without changes.
public enum ApplyWriter {
    /// Writes `prepared`; returns the paths of the sealed files written, in order. Each step is
    /// logged at debug level (paths, counts, the serial: never key material), so a CI log shows
    /// where an interrupted apply stopped. `progress` hears each sealed file written
    /// (`.writeSealedFiles`) and the audit log and state (`.writeState`).
    @discardableResult
    public static func write(
        _ prepared: PreparedApply, to layout: ApplyLayout, storage: some DurableStorage,
        logger: Logger = Logger(label: "keysync.apply"), progress: ProgressReporter = .silent
    ) throws(ApplyError) -> [String] {
        guard prepared.hasChanges else { return [] }
        do {
            // Where the audit lines go: the log's last segment, and the ones they open.
            let (lineAppends, afterLines) = prepared.logEnd.appending(prepared.auditLines)
            let completionAppends = afterLines.appending(prepared.completionLine).appends
            let auditPaths = (lineAppends + completionAppends).map { AuditLogSegments.path($0.segment, base: layout.auditLogPath) }
            // Refused before the first write: a link or folder where apply writes.
            for path in [layout.statePath, type(of: storage).backupPath(for: layout.statePath)] + auditPaths {
                try storage.ensureWritable(path)
            }
            _ = try storage.entries(in: StateFile.shardFolder(forStateAt: layout.statePath))  // a link or file there
            var written: [String] = []
            if !prepared.sealedFiles.isEmpty {
                try storage.createDirectory(layout.sealedDirectory)
                let existing = Set(try storage.entries(in: layout.sealedDirectory) ?? [])
                for file in prepared.sealedFiles where existing.contains(file.name) {
                    throw ApplyError.sealedFileExists(layout.sealedPath(file.name))
                }
                progress(.writeSealedFiles, 0, of: prepared.sealedFiles.count)
                for file in prepared.sealedFiles {
                    let path = layout.sealedPath(file.name)
                    try storage.write(file.ciphertext, to: path)
                    written.append(path)
                    progress(.writeSealedFiles, written.count, of: prepared.sealedFiles.count)
                    logger.debug("wrote sealed file", metadata: ["path": "\(path)", "bytes": "\(file.ciphertext.count)"])
                }
            }
            progress(.writeState, 0, of: 1)
            let files = prepared.stateFiles ?? prepared.state.encodedFiles()
            let shardFolder = StateFile.shardFolder(forStateAt: layout.statePath)
            try writeShards(files.shards, in: shardFolder, storage: storage, logger: logger)
            if let folder = ApplyLayout.folder(of: layout.auditLogPath) { try storage.createDirectory(folder) }
            try append(lineAppends, to: layout, storage: storage, logger: logger, saying: "appended audit lines")
            try storage.writeKeepingBackup(Array(files.index), to: layout.statePath)
            logger.debug("wrote state", metadata: ["path": "\(layout.statePath)", "serial": "\(prepared.state.serial)"])
            try append(completionAppends, to: layout, storage: storage, logger: logger, saying: "appended apply.completed")
            try removeUnreferencedShards(in: shardFolder, keeping: files.shards.map(\.file), storage: storage)
            progress(.writeState, 1, of: 1)
            return written
        } catch let error as ApplyError {
            throw error
        } catch let error as StorageError {
            throw .storage(error)
        } catch {
            throw .storage(StorageError(operation: "write", path: layout.statePath, code: 0, reason: "\(error)"))
        }
    }

    /// Step 2: each shard not already in `folder` (its name is its content's hash, so one
    /// there holds exactly these bytes), written atomically and durably.
    private static func writeShards(
        _ shards: [StateShard], in folder: String, storage: some DurableStorage, logger: Logger
    ) throws(StorageError) {
        try storage.createDirectory(folder)
        let existing = Set(try storage.entries(in: folder) ?? [])
        for shard in shards where !existing.contains(shard.file) {
            guard !shard.bytes.isEmpty else {  // reused from the state read, which had the file
                throw StorageError(operation: "write", path: folder + "/" + shard.file, code: 2,
                                   reason: "the shard the state was read from is gone")
            }
            try storage.write(Array(shard.bytes), to: folder + "/" + shard.file)
            logger.debug("wrote state shard", metadata: ["file": "\(shard.file)", "keys": "\(shard.keyCount)"])
        }
    }

    /// Step 6: removes the shard files in `folder` that the new index does not name (only names
    /// of the shard form are touched), so git sees a replaced shard as a rename with the
    /// changed records. The previous index (`<state>.backup`) then names shards that are gone:
    /// the previous state is restored from git, where its commit holds its shards.
    private static func removeUnreferencedShards(
        in folder: String, keeping current: [String], storage: some DurableStorage
    ) throws(StorageError) {
        let referenced = Set(current)
        for name in try storage.entries(in: folder) ?? [] where StateShard.isShardFileName(name) && !referenced.contains(name) {
            try storage.remove(folder + "/" + name)
        }
    }

    /// Appends to each segment in turn, each durable before the next segment is opened (so only
    /// the last segment can ever end in a half-written line).
    private static func append(
        _ appends: [AuditLogEnd.Append], to layout: ApplyLayout, storage: some DurableStorage, logger: Logger,
        saying message: Logger.Message
    ) throws(StorageError) {
        for append in appends {
            let path = AuditLogSegments.path(append.segment, base: layout.auditLogPath)
            try storage.append(append.bytes, to: path, keepingFirst: append.keepingFirst)
            logger.debug(message, metadata: ["path": "\(path)", "bytes": "\(append.bytes.count)"])
        }
    }

    /// Sealed files in `directory` from applies that never completed: their serial is above the
    /// state's, so the state never recorded their keys. Those keys were never valid and never
    /// will be; the files are not deliveries (the next apply uses a higher serial, so they are
    /// never replaced either). Sorted by name; empty when the folder is missing or unreadable
    /// (reading the repository already refused a folder that is a link).
    public static func neverValidSealedFiles(
        in directory: String, stateSerial: Int, storage: some DurableStorage = FileSystemStorage()
    ) -> [String] {
        let names = ((try? storage.entries(in: directory)) ?? nil) ?? []
        return neverValid(names: names, stateSerial: stateSerial)
    }

    /// Pure part of `neverValidSealedFiles`: which of `names` are from applies past `stateSerial`.
    public static func neverValid(names: [String], stateSerial: Int) -> [String] {
        names.filter { name in
            guard let parsed = SealedFile.parseName(name) else { return false }
            return parsed.serial > stateSerial
        }.sorted()
    }
}
