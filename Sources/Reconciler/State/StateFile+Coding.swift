import Foundation

extension StateFile {
    /// Reads a state file's bytes. Fails on anything not understood — bad JSON (with line and
    /// column), a wrong shape (with the field path), another version, a broken invariant — so
    /// nothing is ever planned or written on top of a state keysync does not understand.
    public static func decode(_ data: Data) throws(StateFileError) -> StateFile {
        let text = String(decoding: data, as: UTF8.self)
        let decoder = CanonicalJSON.decoder()
        // The version first, so a future format is reported as such and not as a shape error.
        struct VersionOnly: Decodable { var version: Int }
        let version: Int
        do {
            version = try decoder.decode(VersionOnly.self, from: data).version
        } catch {
            throw StateFileText.error(for: error, data: data, text: text)
        }
        guard version == StateFile.currentVersion else {
            let line = StateFileText.line(containing: "\"version\"", in: text)
            throw StateFileError(.unsupportedVersion(version), line: line, column: line == nil ? nil : 1)
        }
        let state: StateFile
        do {
            state = try decoder.decode(StateFile.self, from: data)
        } catch {
            throw StateFileText.error(for: error, data: data, text: text)
        }
        try state.validate(locatingIn: text)
        return state
    }

    /// The canonical bytes: normalised order, sorted keys, one field per line, trailing newline.
    /// The same state always gives the same bytes.
    public func encoded() -> Data {
        do {
            return try CanonicalJSON.encode(normalized)
        } catch {
            // Only non-finite floating-point numbers make JSONEncoder fail; a state has none.
            preconditionFailure("a state file always encodes: \(error)")
        }
    }
}
