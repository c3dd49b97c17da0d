import Foundation

/// Issue 14's "repository-friendly" figure: the largest file an operation wrote into the
/// repository folder (GitHub warns at 50 MB per file and refuses 100 MB).
enum LargestFile {
    /// The largest regular file under `folder` that is new or changed compared with the same
    /// relative path under `before` (every file, when `before` is `nil`): its size and path.
    static func written(under folder: String, comparedWith before: String? = nil) -> (bytes: Int, path: String)? {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: folder) else { return nil }
        var largest: (bytes: Int, path: String)?
        while let relative = walker.nextObject() as? String {
            let path = folder + "/" + relative
            guard let attributes = try? fm.attributesOfItem(atPath: path), attributes[.type] as? FileAttributeType == .typeRegular,
                  let size = attributes[.size] as? Int, size > (largest?.bytes ?? -1)
            else { continue }
            if let before {
                let old = before + "/" + relative
                if let oldSize = (try? fm.attributesOfItem(atPath: old))?[.size] as? Int, oldSize == size,
                   fm.contentsEqual(atPath: old, andPath: path) { continue }
            }
            largest = (size, relative)
        }
        return largest
    }
}
