import Foundation

extension StateFile {
    /// Reads a one-file (version 1 or 2) state file's bytes; a sharded state is read by
    /// `ShardedStateReader`. Fails on anything not understood — bad JSON (with line and
    /// column), a wrong shape (with the field path), another version, a broken invariant — so
    /// nothing is ever planned or written on top of a state keysync does not understand.
    ///
    /// Only the canonical bytes are accepted (exactly what `encoded()` writes for the value
    /// read): the signature covers the canonical encoding, so any other spelling of the same
    /// file — a timestamp with a fraction of a second, reordered fields, a duplicate field —
    /// would be a second meaning under one signature.
    public static func decode(_ data: Data) throws(StateFileError) -> StateFile {
        let state = try decodeAnySpelling(data)
        guard state.isEncoding(of: data) else {
            let line = firstDifferingLine(data, state.encoded())
            throw StateFileError(.notCanonical, line: line, column: 1)
        }
        return state
    }

    /// `decode(_:)` for a state that must be signed by `trusted`, when it is: the one-pass
    /// reader's state, valid, with `trusted`'s valid signature over `data` as it is. Then the
    /// bytes are consumed (cut into the signing payload in place) and not compared with
    /// `encoded()`: the signature proves they are exactly what the signer encoded, and only
    /// `encoded()` is ever signed — the same reasoning as `KeyVerifier.readingSigned`. At 100k
    /// keys that comparison (encoding every record again) was half of a converged `plan`.
    ///
    /// `nil`, with `data` untouched, for anything else (unsigned, another signer, tampered,
    /// not read by the one-pass reader, invalid): the caller decodes it with `decode(_:)` and
    /// checks the signature the usual way, which refuse it exactly as before.
    public static func decode(_ data: inout Data, signedBy trusted: StatePublicKey) -> StateFile? {
        guard let state = CanonicalStateReader.read(data), state.signature != nil,
              (try? state.validate(locatingIn: nil)) != nil,
              state.isSigned(by: trusted, restoringUnlessValid: &data)
        else { return nil }
        return state
    }

    /// Whether `data` is exactly `encoded()`, compared record by record as the encoding is
    /// produced: at 100k keys the state's 72 MB are then never held twice.
    func isEncoding(of data: Data) -> Bool {
        do {
            let (shell, records) = encodingParts()
            return try CanonicalJSON.matches(data, shell: shell, splicing: records, intoLeadingArray: "keys")
        } catch {
            preconditionFailure("a state file always encodes: \(error)")
        }
    }

    /// The 1-based line where `a` and `b` first differ.
    private static func firstDifferingLine(_ a: Data, _ b: Data) -> Int {
        var line = 1
        for (x, y) in zip(a, b) {
            if x != y { return line }
            if x == 0x0A { line += 1 }
        }
        return line
    }

    private static func decodeAnySpelling(_ data: Data) throws(StateFileError) -> StateFile {
        if let state = CanonicalStateReader.read(data) {
            do {
                try state.validate(locatingIn: nil)
            } catch {
                // Again with the text, so the error points at the offending record's line.
                try state.validate(locatingIn: String(decoding: data, as: UTF8.self))
                throw error
            }
            return state
        }
        // Anything the one-pass reader does not vouch for (including every malformed file) goes
        // through the reference decoder, which says what is wrong and where.
        let text = String(decoding: data, as: UTF8.self)
        let decoder = CanonicalJSON.decoder()
        // One pass over the bytes: the version is read first, so a future format is reported as
        // such and not as a shape error, and the rest only when the version is understood.
        let versioned: VersionedStateFile
        do {
            versioned = try decoder.decode(VersionedStateFile.self, from: data)
        } catch var error as StateFileError {
            // `KeyRecord.init(from:)` names the record whose hash or preview breaks its type's
            // rule (by id, never by value): point at that record's line.
            switch error.reason {
            case .invalidHash(let id), .invalidPreview(let id):
                let line = StateFileText.line(ofID: id, occurrence: 1, in: text)
                (error.line, error.column) = (line, line == nil ? nil : 1)
            default:
                break
            }
            throw error
        } catch {
            throw StateFileText.error(for: error, data: data, text: text)
        }
        if versioned.version == StateFile.shardedVersion {
            throw StateFileError(.malformed(
                "a version 3 state file is an index of shard files and must be read with its shard folder, in the form apply writes"))
        }
        guard let state = versioned.state else {
            let line = StateFileText.line(containing: "\"version\"", in: text)
            throw StateFileError(.unsupportedVersion(versioned.version), line: line, column: line == nil ? nil : 1)
        }
        try state.validate(locatingIn: text)
        return state
    }

    /// "keys" sorts first among the state's fields; the records are encoded one at a time into
    /// the rest (the shell).
    private func encodingParts() -> (shell: StateFile, records: [KeyRecord]) {
        var shell = normalized
        let records = shell.keys
        shell.keys = []
        return (shell, records)
    }

    /// The canonical bytes: normalised order, sorted keys, one field per line, trailing newline.
    /// The same state always gives the same bytes.
    ///
    /// For a sharded state (`isSharded`): the index, the bytes at the state path (its shards
    /// come from `encodedFiles()`).
    public func encoded() -> Data {
        if isSharded { return encodedFiles().index }
        do {
            let (shell, records) = encodingParts()
            return try CanonicalJSON.encode(shell, splicing: records, intoLeadingArray: "keys")
        } catch {
            // Only non-finite floating-point numbers make JSONEncoder fail; a state has none.
            preconditionFailure("a state file always encodes: \(error)")
        }
    }
}

/// A state file's version, and the state itself when the version is the one understood.
private struct VersionedStateFile: Decodable {
    var version: Int
    var state: StateFile?

    enum CodingKeys: String, CodingKey { case version }

    init(from decoder: Decoder) throws {
        version = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .version)
        state = StateFile.singleFileVersions.contains(version) ? try StateFile(from: decoder) : nil
    }
}
