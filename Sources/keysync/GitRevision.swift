import Foundation

/// The edge where keysync asks git which commit it runs on; pass `GitRevision.head(in:)` as
/// `AuditContext.resolve`'s `gitHead`.
enum GitRevision {
    /// `git rev-parse HEAD` in `directory` (the current folder when `nil`): the commit id, or
    /// `nil` when git is missing, the folder is not in a work tree, or there is no commit yet.
    /// git's own messages are discarded so they never reach keysync's output.
    static func head(in directory: String? = nil) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "--verify", "--quiet", "HEAD"]
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let isCommitID = (text.count == 40 || text.count == 64)
            && text.unicodeScalars.allSatisfy { "0123456789abcdef".unicodeScalars.contains($0) }
        return isCommitID ? text : nil
    }
}
