/// One manifest file as read from disk (or made in a test): its path as the user gave it and
/// its raw bytes. Parsing never touches the file system, so the same bytes always give the
/// same result and the same `Manifest.digest`.
public struct ManifestSource: Sendable, Equatable {
    /// The path diagnostics name; relative paths stay relative, as the user typed them.
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}
