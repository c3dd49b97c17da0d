import Foundation

/// The I/O half of apply: puts a `PreparedApply` on disk through a `DurableStorage`, in the
/// one order that keeps every crash harmless:
///
/// 1. the sealed files (each atomic and durable), in `layout.sealedDirectory`;
/// 2. the state, the previous one first kept as `<state>.backup`;
/// 3. the audit log (the apply's events appended in one atomic replace).
///
/// A crash before step 2 completes leaves the old state: the new sealed files hold keys that
/// were never valid (no state records their hashes) and the next apply reports them and mints
/// new keys. A crash after it leaves the new state with every new key already delivered; only
/// the audit lines of that apply can be missing. Nothing is written for a plan without changes.
public enum ApplyWriter {
    /// Writes `prepared`; returns the paths of the sealed files written, in order.
    @discardableResult
    public static func write(
        _ prepared: PreparedApply, to layout: ApplyLayout, storage: some DurableStorage
    ) throws(ApplyError) -> [String] {
        guard prepared.hasChanges else { return [] }
        do {
            var written: [String] = []
            if !prepared.sealedFiles.isEmpty {
                try storage.createDirectory(layout.sealedDirectory)
                for file in prepared.sealedFiles {
                    let path = layout.sealedPath(file.name)
                    try storage.write(file.ciphertext, to: path)
                    written.append(path)
                }
            }
            try storage.writeKeepingBackup(Array(prepared.state.encoded()), to: layout.statePath)
            if !prepared.events.isEmpty, let folder = ApplyLayout.folder(of: layout.auditLogPath) {
                try storage.createDirectory(folder)
            }
            try AuditLog.append(prepared.events, to: layout.auditLogPath, storage: storage)
            return written
        } catch {
            throw .storage(error)
        }
    }

    /// Sealed files in `directory` from applies that never completed: their serial is above the
    /// state's, so the state never recorded their keys. Those keys were never valid and never
    /// will be; the files are not deliveries (a new apply with the same serial replaces a file
    /// of the same name). Sorted by name; empty when the folder is missing.
    public static func neverValidSealedFiles(in directory: String, stateSerial: Int) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
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
