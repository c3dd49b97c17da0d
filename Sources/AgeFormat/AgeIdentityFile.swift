import Foundation

/// The identity file format of age-keygen, read by `keysync unseal -i` and `age -d -i` alike:
/// `#` comment lines, blank lines, and one `AGE-SECRET-KEY-1…` per line.
public enum AgeIdentityFile {
    /// Every identity in `text`; errors name the 1-based line (never its secret content).
    /// A file without identities is an error, since it can open nothing.
    public static func parse(_ text: String) throws(AgeError) -> [AgeIdentity] {
        var identities: [AgeIdentity] = []
        var lineNumber = 0
        // Splitting on Character newlines treats "\r\n" (one Character in Swift) as one line end.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do {
                identities.append(try AgeIdentity(parsing: trimmed))
            } catch {
                if case .invalidIdentity(let problem, _) = error {
                    throw .invalidIdentity(problem, line: lineNumber)
                }
                throw error
            }
        }
        guard !identities.isEmpty else { throw .noIdentities }
        return identities
    }

    /// The file age-keygen would write for `identity`: creation time (RFC 3339, UTC), the public
    /// key as a comment, then the secret. Pure: the caller passes the clock's reading.
    public static func render(_ identity: AgeIdentity, created: Date) -> String {
        let timestamp = created.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
        return """
            # created: \(timestamp)
            # public key: \(identity.recipient)
            \(identity.secretKeyText)

            """
    }
}
