import Foundation

/// What a caller presents to `keysync verify` on standard input, turned into the key to check:
/// one line (its line break dropped), either a bare key or an `Authorization: Bearer` /
/// `X-API-Key` header. Pure and total over any bytes, so it can be fuzzed and unit-tested; the
/// CLI reads at most `maximumLength + 1` bytes and hands them here.
public enum PresentedKeyInput {
    /// The longest input accepted: far above any key or header line, far below what a hostile
    /// pipe could push into memory.
    public static let maximumLength = 16 * 1024

    /// Why the input holds no key to check. The message never repeats the presented text.
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The presented key. Whatever surrounds a bare key is left for the verifier to judge, so
    /// stray whitespace is reported, not silently accepted.
    public static func parse(_ input: some Collection<UInt8>) -> Result<String, Problem> {
        guard input.count <= maximumLength else {
            return .failure(Problem(message: "standard input is too long for a key or a header line"))
        }
        var line = String(decoding: input, as: UTF8.self)
        if line.hasSuffix("\r\n") { line.removeLast(1) }  // "\r\n" is one Character
        else if line.hasSuffix("\n") { line.removeLast() }
        guard !line.contains(where: { $0 == "\n" || $0 == "\r\n" }) else {
            return .failure(Problem(message: "standard input must hold one key or one header line, not several lines"))
        }
        guard let colon = line.firstIndex(of: ":") else { return .success(line) }
        let name = line[..<colon]
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            return .success(line)  // not a header: let the verifier say what is wrong with it
        }
        // Optional whitespace around a field value is not part of it (RFC 9110, 5.5).
        let value = line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        switch name.lowercased() {
        case "x-api-key":
            return .success(value)
        case "authorization":
            let scheme = value.prefix { $0 != " " && $0 != "\t" }
            guard scheme.lowercased() == "bearer" else {
                return .failure(Problem(message: "the Authorization header must use the Bearer scheme (Authorization: Bearer <key>)"))
            }
            return .success(String(value.dropFirst(scheme.count).drop { $0 == " " || $0 == "\t" }))
        default:
            // A real header name is short; anything as long as a key body (33 characters) might
            // be one pasted before a colon, so it is not echoed.
            let shown = name.count <= 24 ? "header \(name)" : "header"
            return .failure(Problem(message: "unsupported \(shown); give a bare key, an Authorization: Bearer header or an X-API-Key header"))
        }
    }
}
