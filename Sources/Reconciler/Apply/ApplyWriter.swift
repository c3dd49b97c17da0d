import Foundation
import Logging

/// The I/O half of apply: puts a `PreparedApply` on disk through a `DurableStorage`, in the
/// one order that keeps every crash harmless and every change audited:
///
/// 1. the sealed files (each atomic and durable, never over an existing file), in
///    `layout.sealedDirectory`;
/// 2. the audit lines (`apply.began` and the key events), appended durably to the log's last
///    segment and the segments they open (`AuditLogEnd`), each durable before the next opens;
/// 3. the state, which records the log's head after step 2, the previous one first kept as
///    `<state>.backup`;
/// 4. `apply.completed`, appended.
///
/// A crash before step 3 completes leaves the old state: the new sealed files hold keys that
/// were never valid (no state records their hashes), and the log shows an apply that began and
/// never completed; the next apply records it as `apply.incomplete` and uses a higher serial.
/// A crash after it leaves the new state with every key delivered and every event logged; only
/// `apply.completed` is missing, and the next apply writes it. Nothing is written for a plan
/// without changes.
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
            if let folder = ApplyLayout.folder(of: layout.auditLogPath) { try storage.createDirectory(folder) }
            try append(lineAppends, to: layout, storage: storage, logger: logger, saying: "appended audit lines")
            try storage.writeKeepingBackup(prepared.stateBytes ?? Array(prepared.state.encoded()), to: layout.statePath)
            logger.debug("wrote state", metadata: ["path": "\(layout.statePath)", "serial": "\(prepared.state.serial)"])
            try append(completionAppends, to: layout, storage: storage, logger: logger, saying: "appended apply.completed")
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
