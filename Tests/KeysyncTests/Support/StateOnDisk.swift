import Foundation
import Reconciler

/// The one way these tests read a whole state from disk: the public reader, whichever layout
/// (one file, or a sharded index with its shard folder) is at `path`.
func readState(at path: URL) throws -> StateFile {
    try StateFileReader.read(at: path.path)
}

/// The state's text as a reviewer sees it in git: the index followed by every shard it names.
func stateText(at path: URL) throws -> String {
    var text = try String(contentsOf: path, encoding: .utf8)
    let folder = URL(fileURLWithPath: StateFile.shardFolder(forStateAt: path.path))
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for name in names.sorted() where text.contains("\"file\": \"\(name)\"") {
        text += try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }
    return text
}

/// A hand edit of the state as an attacker who knows the layout makes it: `edit` is applied to
/// the index and to every shard, and each changed shard is renamed and its hash updated in the
/// index, so the files agree with each other and only the signature can tell.
func forgeState(at path: URL, _ edit: (String) -> String) throws {
    var index = edit(try String(contentsOf: path, encoding: .utf8))
    let folder = URL(fileURLWithPath: StateFile.shardFolder(forStateAt: path.path))
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where StateShard.isShardFileName(name) {
        let old = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        let new = edit(old)
        guard new != old else { continue }
        let bucket = String(name.prefix(3))
        let (oldHash, newHash) = (SHA256Text.of(Array(old.utf8)), SHA256Text.of(Array(new.utf8)))
        let newName = StateShard.fileName(bucket: bucket, sha256: newHash)
        try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        try Data(new.utf8).write(to: folder.appendingPathComponent(newName))
        index = index.replacingOccurrences(of: oldHash, with: newHash).replacingOccurrences(of: name, with: newName)
    }
    try Data(index.utf8).write(to: path)
}

/// Writes `state` to `path` in its layout: one file (versions 1 and 2), or the index with its
/// shard folder (shards the index no longer names are removed, as apply does). The state's
/// `signature` block is written as it is, so a test can leave a stale one in place.
func writeState(_ state: StateFile, to path: URL) throws {
    guard state.isSharded else {
        try state.encoded().write(to: path)
        return
    }
    let files = state.encodedFiles()
    let folder = URL(fileURLWithPath: StateFile.shardFolder(forStateAt: path.path))
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
        try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
    }
    for shard in files.shards { try shard.bytes.write(to: folder.appendingPathComponent(shard.file)) }
    try files.index.write(to: path)
}

/// The state's files (the index and every file of its shard folder), by path relative to the
/// index's folder: what `git checkout <commit> -- keysync.state.json keysync.state.d` restores.
func stateFiles(at path: URL) throws -> [String: Data] {
    var files = [path.lastPathComponent: try Data(contentsOf: path)]
    let folder = URL(fileURLWithPath: StateFile.shardFolder(forStateAt: path.path))
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
        files[folder.lastPathComponent + "/" + name] = try Data(contentsOf: folder.appendingPathComponent(name))
    }
    return files
}

/// Copies the state at `source` (index and shard folder) to `target` and its shard folder.
func copyState(_ source: URL, to target: URL) throws {
    try writeFiles(stateFiles(at: source).mapKeys(from: source, to: target), in: target.deletingLastPathComponent())
}

/// Writes `files` (paths relative to `folder`), creating folders as needed.
func writeFiles(_ files: [String: Data], in folder: URL) throws {
    for (name, data) in files {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
}

private extension Dictionary where Key == String, Value == Data {
    /// The files of the state at `source` renamed for the state at `target` (index and folder).
    func mapKeys(from source: URL, to target: URL) -> [String: Data] {
        let sourceFolder = URL(fileURLWithPath: StateFile.shardFolder(forStateAt: source.path)).lastPathComponent
        let targetFolder = URL(fileURLWithPath: StateFile.shardFolder(forStateAt: target.path)).lastPathComponent
        var out: [String: Data] = [:]
        for (name, data) in self {
            if name == source.lastPathComponent { out[target.lastPathComponent] = data }
            else { out[targetFolder + name.dropFirst(sourceFolder.count)] = data }
        }
        return out
    }
}
