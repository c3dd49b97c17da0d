import Foundation

/// The read side of the state's I/O seam: the one place the reconciler touches the file system
/// for a plan. Writing (atomically, with a backup) belongs to apply.
public enum StateFileReader {
    /// A missing file is the empty state (first run); anything unreadable or invalid is an error.
    public static func read(at path: String) throws(StateFileError) -> StateFile {
        guard FileManager.default.fileExists(atPath: path) else { return .empty }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw StateFileError(.unreadable("\(path): \(error.localizedDescription)"))
        }
        return try StateFile.decode(data)
    }
}
