import Foundation

/// Reads one state on its own (no audit log, no sealed folder), for what must stand by itself:
/// a saved base-branch copy (`plan --previous-state`), tests. Commands reading the repository
/// use `RepositoryReader`, which also checks the state against the audit log. Both read the
/// state's files through `decode(_:at:storage:trusting:)`, whichever layout they are in.
public enum StateFileReader {
    /// A missing file is the empty state (first run); anything unreadable or invalid is an
    /// error, and so is a symbolic link or anything but a regular file (index, shard folder or
    /// shard).
    public static func read(at path: String, storage: some DurableStorage = FileSystemStorage()) throws(StateFileError) -> StateFile {
        let bytes: [UInt8]?
        do {
            bytes = try storage.read(path)
        } catch {
            throw StateFileError(.unreadable("\(error)"))
        }
        guard let bytes else { return .empty }
        var data = Data(bytes)
        return try decode(&data, at: path, storage: storage, trusting: nil).state
    }

    /// The state whose file at `path` holds `data`: a one-file state (versions 1 and 2), or a
    /// sharded index whose shards are read from the folder beside it through `storage`. With
    /// `trusted`, also the signer found valid over the bytes themselves (`nil` otherwise, left
    /// to `StateTrust.refusal` to explain). `data` may be consumed.
    static func decode(
        _ data: inout Data, at path: String, storage: some DurableStorage, trusting trusted: StatePublicKey?
    ) throws(StateFileError) -> (state: StateFile, verifiedSigner: StatePublicKey?) {
        if ShardedStateReader.isIndex(data) {
            let read = try ShardedStateReader.read(index: data, statePath: path, from: StorageShardSource(storage: storage),
                                                   trusting: trusted)
            return (read.state, read.verifiedSigner)
        }
        if let trusted, let signed = StateFile.decode(&data, signedBy: trusted) {
            // Signed by the trusted key over these very bytes: read once, never encoded again.
            return (signed, trusted)
        }
        let state = try StateFile.decode(data)
        let trust: StateTrust = trusted.map { .signer($0) } ?? .unsigned
        return (state, RepositoryReader.signer(of: state, verifiedOver: &data, trust: trust))
    }
}

/// A sharded state's files read through the apply workflow's storage seam (which refuses
/// symbolic links and anything but regular files and folders).
struct StorageShardSource<Storage: DurableStorage>: StateShardSource {
    var storage: Storage

    func shardBytes(at path: String) throws(StateFileError) -> Data? {
        do {
            return try storage.read(path).map { Data($0) }
        } catch {
            throw StateFileError(.unreadable("\(error)"))
        }
    }

    func shardFolderExists(at path: String) throws(StateFileError) -> Bool {
        do {
            return try storage.entries(in: path) != nil
        } catch {
            throw StateFileError(.unreadable("\(error)"))
        }
    }
}
