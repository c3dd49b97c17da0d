/// Everything that can go wrong reading or writing an age file, as values: the CLI renders
/// `description` in one place, tests match cases, and messages never contain secret material.
public enum AgeError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The broad class of a failure, matching the outcome classes of the age conformance
    /// vectors (armor, header, HMAC, no match, payload) plus keys and unsupported features.
    public enum Category: String, Sendable, Equatable {
        case key, armor, header, headerMAC, noMatch, unsupported, payload
    }

    /// An `age1…` recipient that cannot be used; carries the (public) text for the message.
    case invalidRecipient(String, AgeKeyProblem)
    /// An `AGE-SECRET-KEY-1…` identity that cannot be used; `line` is the 1-based line of an
    /// identity file when it came from one. The secret text itself is never kept.
    case invalidIdentity(AgeKeyProblem, line: Int?)
    /// An identity file without a single identity.
    case noIdentities
    /// Encrypting needs at least one recipient: a header without stanzas is not an age file.
    case noRecipients
    /// The ASCII armor is not the strict PEM form age writes.
    case malformedArmor(String)
    /// The header breaks the age v1 grammar or a stanza's rules; `line` is 1-based.
    case malformedHeader(line: Int, String)
    /// The first line names another age format version.
    case unsupportedVersion(String)
    /// An X25519 stanza whose share yields the all-zero shared secret (low-order point).
    case lowOrderShare(line: Int)
    /// The file can only be opened with something keysync does not implement (scrypt passphrase).
    case unsupportedRecipientType(String)
    /// No identity given unwraps any stanza; lists stanza types present that keysync cannot try.
    case noMatchingIdentity(unsupportedStanzaTypes: [String])
    /// The header MAC does not verify: the header was changed after sealing.
    case badHeaderMAC
    /// The file ends inside the 16-byte payload nonce.
    case missingPayloadNonce
    /// The payload ends before a valid final chunk.
    case truncatedPayload
    /// A chunk (0-based index) fails authentication.
    case badChunkTag(chunk: Int)
    /// A final chunk that is empty although earlier chunks exist (0-based index).
    case emptyFinalChunk(chunk: Int)
    /// Bytes follow the final chunk.
    case trailingData

    /// The outcome class, for callers (and conformance tests) that branch on kind, not detail.
    public var category: Category {
        switch self {
        case .invalidRecipient, .invalidIdentity, .noIdentities, .noRecipients: return .key
        case .malformedArmor: return .armor
        case .malformedHeader, .unsupportedVersion, .lowOrderShare, .missingPayloadNonce: return .header
        case .unsupportedRecipientType: return .unsupported
        case .noMatchingIdentity: return .noMatch
        case .badHeaderMAC: return .headerMAC
        case .truncatedPayload, .badChunkTag, .emptyFinalChunk, .trailingData: return .payload
        }
    }

    public var description: String {
        switch self {
        case .invalidRecipient(let text, let problem):
            let shown = text.count > 80 ? String(text.prefix(77)) + "..." : text
            return "invalid age recipient \"\(shown)\": \(problem)"
        case .invalidIdentity(let problem, let line):
            if let line { return "invalid age identity on line \(line) of the identity file: \(problem)" }
            return "invalid age identity: \(problem)"
        case .noIdentities:
            return "the identity file holds no identity; expected a line starting with AGE-SECRET-KEY-1 (see keysync keygen)"
        case .noRecipients:
            return "cannot seal to nobody: give at least one age1… recipient"
        case .malformedArmor(let reason):
            return "malformed age armor: \(reason)"
        case .malformedHeader(let line, let reason):
            return "malformed age header on line \(line): \(reason)"
        case .unsupportedVersion(let version):
            return "unsupported age format version \"\(version)\" in the header; keysync reads age-encryption.org/v1"
        case .lowOrderShare(let line):
            return "the X25519 stanza on header line \(line) has a low-order share (all-zero shared secret); the file is corrupt or malicious"
        case .unsupportedRecipientType(let type):
            return "the file is sealed for \(type), which keysync does not support; open it with the age CLI"
        case .noMatchingIdentity(let types):
            let base = "no identity matches this file: it was sealed to other recipients; check the -i identity file"
            if types.isEmpty { return base }
            return base + " (it also has \(types.joined(separator: ", ")) stanzas, which keysync cannot open)"
        case .badHeaderMAC:
            return "the header MAC does not verify: the header was modified or corrupted"
        case .missingPayloadNonce:
            return "the file ends right after the header, inside the payload nonce: it is truncated"
        case .truncatedPayload:
            return "the payload is truncated: the file ends before its final chunk"
        case .badChunkTag(let chunk):
            return "payload chunk \(chunk + 1) fails authentication: the file was modified or corrupted"
        case .emptyFinalChunk(let chunk):
            return "payload chunk \(chunk + 1) is an empty final chunk, which only an empty file may have: the file was modified"
        case .trailingData:
            return "data follows the final payload chunk: the file was modified or has garbage appended"
        }
    }
}
