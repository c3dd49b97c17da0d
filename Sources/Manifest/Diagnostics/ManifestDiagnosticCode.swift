import KeysyncCore

/// The manifest's codes are the `.manifest` area of the one registry, `DiagnosticCode`; this name
/// stays so code written against it still compiles.
public typealias ManifestDiagnosticCode = DiagnosticCode
