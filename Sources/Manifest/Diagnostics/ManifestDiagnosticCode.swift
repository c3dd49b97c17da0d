/// Every stable code the manifest loader reports. Tools, docs and tests refer to these
/// strings, so a code is never renamed or reused for another problem; docs/manifest.md lists each.
public enum ManifestDiagnosticCode: String, CaseIterable, Sendable {
    // Reading
    case pathNotFound = "path-not-found"
    case unreadableFile = "unreadable-file"
    case noManifestFiles = "no-manifest-files"
    case fileTooLarge = "file-too-large"
    case notUTF8 = "not-utf8"
    case emptyFile = "empty-file"
    // YAML
    case yamlSyntax = "yaml-syntax"
    case multipleDocuments = "multiple-documents"
    case aliasNotAllowed = "alias-not-allowed"
    case tagNotAllowed = "tag-not-allowed"
    case tooDeep = "too-deep"
    case duplicateKey = "duplicate-key"
    // Shape and values
    case unknownField = "unknown-field"
    case missingField = "missing-field"
    case wrongType = "wrong-type"
    case unsupportedVersion = "unsupported-version"
    case rateLimitRange = "rate-limit-range"
    case outOfRange = "out-of-range"
    case invalidDate = "invalid-date"
    case invalidPeriod = "invalid-period"
    case expiresConflict = "expires-conflict"
    case invalidName = "invalid-name"
    case invalidPrefix = "invalid-prefix"
    case invalidEmail = "invalid-email"
    case invalidRecipient = "invalid-recipient"
    case recipientLowOrder = "recipient-low-order"
    case recipientNotCanonical = "recipient-not-canonical"
    // Across the manifest
    case duplicateGlobal = "duplicate-global"
    case duplicateTeam = "duplicate-team"
    case duplicateKeyName = "duplicate-key-name"
    case invalidRename = "invalid-rename"
    case unknownPlan = "unknown-plan"
    case planKeyLimit = "plan-key-limit"
    case planNoAPIAccess = "plan-no-api-access"
    case missingRecipients = "missing-recipients"
    // Warnings
    case noOwner = "no-owner"
}

extension Diagnostic {
    static func error(
        _ code: ManifestDiagnosticCode, _ message: String, hint: String? = nil,
        at location: SourceLocation?
    ) -> Diagnostic {
        Diagnostic(.error, code: code.rawValue, message: message, hint: hint, at: location)
    }

    static func warning(
        _ code: ManifestDiagnosticCode, _ message: String, hint: String? = nil,
        at location: SourceLocation?
    ) -> Diagnostic {
        Diagnostic(.warning, code: code.rawValue, message: message, hint: hint, at: location)
    }
}
