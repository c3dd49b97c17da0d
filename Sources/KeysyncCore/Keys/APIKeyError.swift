/// Why a presented string is not a valid key of this installation, found offline (format and
/// checksum) before any lookup.
///
/// Values never contain the presented text itself: the string might be a real secret (someone
/// else's, or ours with a typo), and errors end up in logs. They carry only positions, lengths
/// and the part before `_`, which is public by design.
public enum APIKeyError: Error, Equatable, Sendable, CustomStringConvertible, DiagnosticConvertible {
    /// The prefix given to `APIKey.mint` is not 1–16 ASCII letters and digits.
    case invalidPrefix
    /// Not shaped like a keysync key at all.
    case badFormat(BadFormat)
    /// A well-formed prefix, but not ours: probably a key of another system or installation.
    case otherPrefix(expected: String, found: String)
    /// Shaped right, but the checksum does not match: almost certainly a typo or a truncated copy.
    case badChecksum

    public enum BadFormat: Equatable, Sendable {
        case empty
        /// Spaces, tabs or line breaks anywhere: the usual copy-and-paste accident.
        case whitespace
        case missingSeparator
        /// Lengths of the whole presented string, in characters.
        case wrongLength(expected: Int, found: Int)
        /// 1-based position of the first character outside the key alphabet.
        case invalidCharacter(position: Int)
    }

    /// The registered code; `code` is its text, for renderers and documentation.
    public var diagnosticCode: DiagnosticCode {
        switch self {
        case .invalidPrefix: .keyInvalidPrefix
        case .badFormat: .keyBadFormat
        case .otherPrefix: .keyOtherPrefix
        case .badChecksum: .keyBadChecksum
        }
    }

    public var description: String {
        switch self {
        case .invalidPrefix:
            "the key prefix must be 1 to 16 ascii letters and digits"
        case .badFormat(.empty):
            "no key was given"
        case .badFormat(.whitespace):
            "the key contains whitespace; copy it again without spaces or line breaks"
        case .badFormat(.missingSeparator):
            "the key has no '_' after its prefix; check that it was copied whole"
        case .badFormat(.wrongLength(let expected, let found)):
            "the key is \(found) characters long, a key is \(expected); check that it was copied whole"
        case .badFormat(.invalidCharacter(let position)):
            "the key has an invalid character at position \(position); keys use only letters and digits after the '_'"
        case .otherPrefix(let expected, let found):
            "the key starts with '\(found)_', keys of this installation start with '\(expected)_'"
        case .badChecksum:
            "the key's checksum does not match; it was mistyped or altered"
        }
    }
}

extension APIKeyError {
    /// A presented key has no place in a file; `file` is ignored.
    public func diagnostic(file: String?) -> Diagnostic {
        .error(diagnosticCode, description, at: nil)
    }
}
