import Foundation
import Reconciler
import XCTest

final class DurableStorageTests: XCTestCase {
    private let storage = FileSystemStorage()

    func testWriteCreatesThenReplacesAndLeavesNoTemporaryFile() throws {
        let folder = try makeTemporaryFolder(self)
        let path = folder + "/state.json"
        try storage.write(Array("one\n".utf8), to: path)
        XCTAssertEqual(fileBytes(path), Array("one\n".utf8))
        try storage.write(Array("two\n".utf8), to: path)
        XCTAssertEqual(fileBytes(path), Array("two\n".utf8))
        try storage.write([], to: path)
        XCTAssertEqual(fileBytes(path), [])
        XCTAssertEqual(folderEntries(folder), ["state.json"])
    }

    func testReadGivesBytesOrNilForAMissingFile() throws {
        let folder = try makeTemporaryFolder(self)
        XCTAssertNil(try storage.read(folder + "/missing"))
        let large = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try storage.write(large, to: folder + "/large")
        XCTAssertEqual(try storage.read(folder + "/large"), large)
    }

    func testWrittenFilesGetTheConfiguredModeUnderTheUmask() throws {
        let folder = try makeTemporaryFolder(self)
        try FileSystemStorage(mode: 0o600).write([1], to: folder + "/private")
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/private")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testFailedRenameRemovesTheTemporaryFileAndKeepsWhatWasThere() throws {
        let folder = try makeTemporaryFolder(self)
        // A non-empty folder where the file should go: the rename must fail.
        try storage.createDirectory(folder + "/state.json/inside")
        XCTAssertThrowsError(try storage.write(Array("secret-free".utf8), to: folder + "/state.json")) { error in
            let failure = error as? StorageError
            XCTAssertNotNil(failure)
            XCTAssertEqual(failure?.path, folder + "/state.json")
            XCTAssertNotEqual(failure?.code, 0)
            XCTAssertNotEqual(failure?.operation, "crash")
        }
        XCTAssertEqual(folderEntries(folder), ["state.json"])
        XCTAssertEqual(folderEntries(folder + "/state.json"), ["inside"])
    }

    func testWriteIntoAMissingFolderFailsWithTheReason() throws {
        let folder = try makeTemporaryFolder(self)
        XCTAssertThrowsError(try storage.write([1], to: folder + "/no/such/file")) { error in
            XCTAssertEqual((error as? StorageError)?.code, ENOENT)
            XCTAssertTrue("\(error)".hasPrefix("cannot "), "\(error)")
        }
        XCTAssertEqual(folderEntries(folder), [])
    }

    func testCreateDirectoryMakesParentsAndAcceptsAnExistingFolder() throws {
        let folder = try makeTemporaryFolder(self)
        try storage.createDirectory(folder + "/sealed/a/b/")
        try storage.createDirectory(folder + "/sealed/a/b")
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/sealed/a/b", isDirectory: &isDirectory))
        XCTAssertTrue(isDirectory.boolValue)
        try storage.write([1], to: folder + "/file")
        XCTAssertThrowsError(try storage.createDirectory(folder + "/file")) { error in
            XCTAssertEqual((error as? StorageError)?.code, EEXIST)
        }
    }

    func testCopyAndMissingSource() throws {
        let folder = try makeTemporaryFolder(self)
        try storage.write([1, 2, 3], to: folder + "/a")
        try storage.copy(folder + "/a", to: folder + "/b")
        XCTAssertEqual(fileBytes(folder + "/b"), [1, 2, 3])
        XCTAssertThrowsError(try storage.copy(folder + "/missing", to: folder + "/c")) { error in
            XCTAssertEqual((error as? StorageError)?.code, ENOENT)
        }
        XCTAssertEqual(folderEntries(folder), ["a", "b"])
    }

    func testWriteKeepingBackupKeepsThePreviousVersion() throws {
        let folder = try makeTemporaryFolder(self)
        let path = folder + "/keysync.state.json"
        try storage.writeKeepingBackup(Array("v1".utf8), to: path)
        XCTAssertEqual(folderEntries(folder), ["keysync.state.json"], "no backup of nothing")
        try storage.writeKeepingBackup(Array("v2".utf8), to: path)
        XCTAssertEqual(fileBytes(path + ".backup"), Array("v1".utf8))
        try storage.writeKeepingBackup(Array("v3".utf8), to: path)
        XCTAssertEqual(fileBytes(path), Array("v3".utf8))
        XCTAssertEqual(fileBytes(path + ".backup"), Array("v2".utf8))
        XCTAssertEqual(FileSystemStorage.backupPath(for: path), path + ".backup")
        XCTAssertEqual(folderEntries(folder), ["keysync.state.json", "keysync.state.json.backup"])
    }

    // MARK: fault injection

    func testFaultInjectingStorageRecordsEveryPointInOrder() throws {
        let folder = try makeTemporaryFolder(self)
        let path = folder + "/state.json"
        try storage.write(Array("old".utf8), to: path)
        let recording = FaultInjectingStorage(storage)
        try recording.createDirectory(folder + "/sealed")
        try recording.writeKeepingBackup(Array("new".utf8), to: path)
        XCTAssertEqual(recording.points, [
            .before(StorageStep(.createDirectory, folder + "/sealed")),
            .after(StorageStep(.createDirectory, folder + "/sealed")),
            .before(StorageStep(.copy, path + ".backup")),
            .after(StorageStep(.copy, path + ".backup")),
            .before(StorageStep(.write, path)),
            .after(StorageStep(.write, path)),
        ])
        XCTAssertFalse(recording.hasFailed)
        XCTAssertEqual(recording.points.map(\.description)[4], "before write \(path)")
    }

    /// The pattern apply's crash tests follow: learn the points, then stop at each one and check
    /// that the file is always one of the two whole versions and the backup never lags.
    func testStoppingAtEachPointLeavesTheOldOrTheNewFileWhole() throws {
        let old = Array("{\"serial\":1}".utf8), new = Array("{\"serial\":2}".utf8)
        let learn = try makeTemporaryFolder(self, "learn")
        try storage.write(old, to: learn + "/state.json")
        let recording = FaultInjectingStorage(storage)
        try recording.writeKeepingBackup(new, to: learn + "/state.json")
        let steps = recording.points.map { point -> FailurePoint in
            // Re-root the recorded point in each fresh folder below.
            switch point {
            case .before(let step): .before(StorageStep(step.operation, String(step.path.dropFirst(learn.count))))
            case .after(let step): .after(StorageStep(step.operation, String(step.path.dropFirst(learn.count))))
            }
        }
        XCTAssertEqual(steps.count, 4)
        for (index, relative) in steps.enumerated() {
            let folder = try makeTemporaryFolder(self, "crash\(index)")
            let path = folder + "/state.json"
            try storage.write(old, to: path)
            let point: FailurePoint = switch relative {
            case .before(let step): .before(StorageStep(step.operation, folder + step.path))
            case .after(let step): .after(StorageStep(step.operation, folder + step.path))
            }
            let failing = FaultInjectingStorage(storage, failAt: point)
            XCTAssertThrowsError(try failing.writeKeepingBackup(new, to: path), "\(point)") { error in
                XCTAssertEqual((error as? StorageError)?.path, "\(point)")
                XCTAssertEqual("\(error)", "cannot crash \(point): simulated crash")
            }
            XCTAssertTrue(failing.hasFailed)
            XCTAssertEqual(failing.points.last, point)
            let state = fileBytes(path)
            XCTAssertTrue(state == old || state == new, "\(point)")
            if state == new { XCTAssertEqual(fileBytes(path + ".backup"), old, "\(point)") }
            XCTAssertEqual(state == new, point == .after(StorageStep(.write, path)), "\(point)")
            XCTAssertFalse(folderEntries(folder).contains { $0.contains(".tmp-") }, "\(point)")
            // A crashed process does nothing more.
            XCTAssertThrowsError(try failing.write([0], to: folder + "/later"))
            XCTAssertNil(fileBytes(folder + "/later"))
        }
    }
}
