/// Why a state is not trusted, or why a signing or public key cannot be used. Each case names
/// one thing that is wrong, because the fix differs: sign it, restore it, or configure the
/// right key.
public enum StateSignatureError: Error, Sendable, Hashable, CustomStringConvertible, DiagnosticConvertible {
    /// A public key is configured but the state has no `signature` block.
    case missingSignature
    /// Signed by the trusted key, but the content no longer matches: edited after signing
    /// (say, a hash added by hand in a pull request).
    case badSignature
    /// Signed by a key other than the trusted one (`found` is its public key, not secret).
    case signedByAnotherKey(found: String)
    case unsupportedAlgorithm(String)
    /// The `signature` block cannot be read (bad base64, wrong length).
    case malformedSignature(String)
    /// A signing key (file or `KEYSYNC_SIGNING_KEY`) that is not a keysync signing key. The
    /// detail never quotes the text: it is a secret.
    case malformedSigningKey(String)
    /// A public key string that is not `keysync-ed25519:<base64 of 32 bytes>`.
    case malformedPublicKey(String)

    /// The registered code; `code` is its text, as `Diagnostic.code`.
    public var diagnosticCode: DiagnosticCode {
        switch self {
        case .missingSignature: .stateSignatureMissing
        case .badSignature: .stateSignatureBad
        case .signedByAnotherKey: .stateSignatureOtherKey
        case .unsupportedAlgorithm: .stateSignatureAlgorithm
        case .malformedSignature: .stateSignatureMalformed
        case .malformedSigningKey: .signingKeyMalformed
        case .malformedPublicKey: .statePublicKeyMalformed
        }
    }

    public var message: String {
        switch self {
        case .missingSignature:
            "the state file is not signed, but a state public key is configured"
        case .badSignature:
            "the state file's signature does not match its content: it was changed after it was signed"
        case .signedByAnotherKey(let found):
            "the state file is signed by another key (\(found)), not by the configured state public key"
        case .unsupportedAlgorithm(let name):
            "the state file's signature uses the algorithm \"\(name)\"; only ed25519 is supported"
        case .malformedSignature(let detail):
            "the state file's signature block is not valid: \(detail)"
        case .malformedSigningKey(let detail):
            "the signing key is not valid: \(detail)"
        case .malformedPublicKey(let detail):
            "the state public key is not valid: \(detail)"
        }
    }

    public var hint: String? {
        switch self {
        case .missingSignature, .badSignature, .signedByAnotherKey, .unsupportedAlgorithm, .malformedSignature:
            "only keysync apply writes the state; restore it from the last commit apply made, and change keys through the manifest"
        case .malformedSigningKey:
            "give the file written by `keysync keygen --signing` (--signing-key-file) or its text (KEYSYNC_SIGNING_KEY)"
        case .malformedPublicKey:
            "use the line `keysync keygen --signing` printed, e.g. keysync-ed25519:<base64>"
        }
    }

    public var description: String { "error[\(code)]: \(message)" }
}

extension StateSignatureError {
    /// Points at the start of the state file whose signature is refused.
    public func diagnostic(file: String?) -> Diagnostic {
        .error(diagnosticCode, message, hint: hint, at: file.map { SourceLocation(file: $0, line: 1, column: 1) })
    }
}
