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
        let team = String(name.prefix(upTo: name.dropLast(".0123456789abcdef.json".count).endIndex))
        let (oldHash, newHash) = (SHA256Text.of(Array(old.utf8)), SHA256Text.of(Array(new.utf8)))
        let newName = StateShard.fileName(team: team, sha256: newHash)
        try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        try Data(new.utf8).write(to: folder.appendingPathComponent(newName))
        index = index.replacingOccurrences(of: oldHash, with: newHash).replacingOccurrences(of: name, with: newName)
    }
    try Data(index.utf8).write(to: path)
}
