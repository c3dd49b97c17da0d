/// What loading produced: a manifest only when no error was found, and every diagnostic
/// (errors and warnings) in file order, so callers can render them all at once.
public struct ManifestLoadResult: Sendable, Equatable {
    /// `nil` when any diagnostic is an error.
    public var manifest: Manifest?
    /// Sorted by location (file, line, column); diagnostics without a place come first.
    public var diagnostics: [Diagnostic]

    public init(manifest: Manifest?, diagnostics: [Diagnostic]) {
        self.manifest = manifest
        self.diagnostics = diagnostics
    }

    public var isValid: Bool { manifest != nil }
}
