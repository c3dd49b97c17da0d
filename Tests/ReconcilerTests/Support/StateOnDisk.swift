import Foundation
import Reconciler

/// The one way tests read a whole state from disk: the public reader, whichever layout (one
/// file, or a sharded index with its shard folder) is at `path`. `nil` when there is no file.
func readState(at path: String) throws -> StateFile? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    return try StateFileReader.read(at: path)
}

/// Writes `state` to `path` as apply lays it out: one file for versions 1 and 2, or the index
/// and its shard folder for a sharded state.
func writeState(_ state: StateFile, to path: String) throws {
    guard state.isSharded else {
        try state.encoded().write(to: URL(fileURLWithPath: path))
        return
    }
    let files = state.encodedFiles()
    let folder = StateFile.shardFolder(forStateAt: path)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for shard in files.shards { try shard.bytes.write(to: URL(fileURLWithPath: folder + "/" + shard.file)) }
    try files.index.write(to: URL(fileURLWithPath: path))
}

/// A sharded state's files held in memory, read as the repository's would be.
struct MemoryShardSource: StateShardSource {
    var files: [String: Data]

    func shardBytes(at path: String) throws(StateFileError) -> Data? { files[path] }
    func shardFolderExists(at path: String) throws(StateFileError) -> Bool {
        files.keys.contains { $0.hasPrefix(path + "/") }
    }
}

extension StateFile {
    /// This state written as its files and read back through the public readers: what a
    /// reader of the repository would get.
    func readBack() throws -> StateFile {
        guard isSharded else { return try StateFile.decode(encoded()) }
        let files = encodedFiles()
        var source = MemoryShardSource(files: [:])
        for shard in files.shards { source.files[StateFile.shardPath(shard.file, forStateAt: "state.json")] = shard.bytes }
        return try ShardedStateReader.read(index: files.index, statePath: "state.json", from: source).state
    }
}

extension StateFile {
    /// The same records in the one-file form (version 2): what tests that look at a record's
    /// canonical bytes, or sign and read them back, work with. A sharded state's shards hold
    /// exactly these record encodings.
    var oneFile: StateFile {
        var copy = self
        copy.version = StateFile.singleFileVersions.upperBound
        return copy
    }
}
