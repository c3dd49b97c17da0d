import ArgumentParser
import Foundation
import Reconciler

/// `keysync verify`: checks one presented key against the state, as a server would, reading it
/// from standard input (never an argument: `ps` and shell history would keep it).
/// Exit status: 0 valid, 1 refused (or the state could not be used), 64 usage error.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an API key (read from standard input) against the state.",
        discussion: """
            Standard input holds a bare key, or one HTTP header line: `Authorization: Bearer <key>` \
            or `X-API-Key: <key>` (header names in any case). The presented key is never printed; \
            a valid key is shown by its preview.
            Exit status: 0 valid, 1 refused or error, 64 usage error.

            Examples:
              keysync verify < key.txt
              printf 'X-API-Key: %s\\n' "$KEY" | keysync verify --format json
            """
    )

    enum Format: String, CaseIterable, ExpressibleByArgument { case text, json }

    @OptionGroup var trusted: TrustedStateOptions

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let now = try PlanCommand.clock(environment)
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let presented: String
        switch Self.presentedKey(from: input) {
        case .success(let key): presented = key
        case .failure(let problem): throw ValidationError(problem.message)
        }
        let state = try trusted.load(environment: environment)
        let result = KeyVerifier(state: state).verify(presented, now: now)
        let output = format == .json ? Self.json(result) : Self.text(result)
        FileHandle.standardOutput.write(Data(output.utf8))
        if !result.isValid { throw ExitCode(1) }
    }

    struct InputProblem: Error { var message: String }

    /// The presented key from standard input: one line (its line break dropped), either a bare
    /// key or an `Authorization: Bearer` / `X-API-Key` header. Whatever surrounds a bare key is
    /// left for the verifier to judge, so stray whitespace is reported, not silently accepted.
    static func presentedKey(from input: Data) -> Result<String, InputProblem> {
        guard input.count <= 16 * 1024 else {
            return .failure(InputProblem(message: "standard input is too long for a key or a header line"))
        }
        var line = String(decoding: input, as: UTF8.self)
        if line.hasSuffix("\r\n") { line.removeLast(1) }  // "\r\n" is one Character
        else if line.hasSuffix("\n") { line.removeLast() }
        guard !line.contains(where: { $0 == "\n" || $0 == "\r\n" }) else {
            return .failure(InputProblem(message: "standard input must hold one key or one header line, not several lines"))
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
                return .failure(InputProblem(message: "the Authorization header must use the Bearer scheme (Authorization: Bearer <key>)"))
            }
            return .success(String(value.dropFirst(scheme.count).drop { $0 == " " || $0 == "\t" }))
        default:
            // A real header name is short; anything as long as a key body (33 characters) might
            // be one pasted before a colon, so it is not echoed.
            let shown = name.count <= 24 ? "header \(name)" : "header"
            return .failure(InputProblem(message: "unsupported \(shown); give a bare key, an Authorization: Bearer header or an X-API-Key header"))
        }
    }

    static func text(_ result: VerificationResult) -> String {
        var out = "\(result.code.rawValue) (\(result.httpStatus)): \(result.message)\n"
        if case .valid(let key) = result {
            out += "  key:        \(key.team)/\(key.name) (\(key.id))\n"
            out += "  preview:    \(key.preview)\n"
            out += "  owner:      \(key.owner ?? "-")\n"
            out += "  rate limit: \(key.rateLimit) requests per minute\n"
            out += "  expires:    \(key.expiresAt.map(Timestamp.format) ?? "never")\n"
        }
        return out
    }

    struct JSONResult: Encodable {
        var valid: Bool
        var code: String
        var httpStatus: Int
        var message: String
        var key: Nullable<JSONKey>
        enum CodingKeys: String, CodingKey { case valid, code, httpStatus = "http_status", message, key }
    }

    struct JSONKey: Encodable {
        var id, team, name, preview: String
        var owner: Nullable<String>
        var rateLimit: Int
        var expiresAt: Nullable<String>
        enum CodingKeys: String, CodingKey {
            case id, team, name, preview, owner, rateLimit = "rate_limit", expiresAt = "expires_at"
        }
    }

    /// Only a valid key is described: a caller presenting a refused key learns why, not whose it was.
    static func json(_ result: VerificationResult) -> String {
        var key: JSONKey?
        if case .valid(let k) = result {
            key = JSONKey(id: k.id, team: k.team, name: k.name, preview: k.preview, owner: Nullable(k.owner),
                          rateLimit: k.rateLimit, expiresAt: Nullable(k.expiresAt.map(Timestamp.format)))
        }
        return JSONOutput.render(JSONResult(valid: result.isValid, code: result.code.rawValue,
                                            httpStatus: result.httpStatus, message: result.message, key: Nullable(key)))
    }
}
