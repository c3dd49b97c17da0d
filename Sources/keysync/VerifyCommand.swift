import ArgumentParser
import Foundation
import Reconciler
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `keysync verify`: checks one presented key against the state, as a server would, reading it
/// from standard input (never an argument: `ps` and shell history would keep it).
/// Exit status: 0 valid, 1 refused (or the state could not be used), 64 usage error.
struct VerifyCommand: ParsableCommand, FormatsDiagnostics {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an API key (read from standard input) against the state.",
        discussion: """
            Standard input holds a bare key, or one HTTP header line: `Authorization: Bearer <key>` \
            or `X-API-Key: <key>` (header names in any case). The presented key is never printed; \
            a valid key is shown by its preview.
            With --scope and --ip the key is checked as for one request: a key whose scopes do not \
            grant the scope is refused with INSUFFICIENT_SCOPE, one used from outside its allowed_ips \
            with IP_NOT_ALLOWED (both 403). Without them, scopes and addresses are not checked.
            Exit status: 0 valid, 1 refused or error, 64 usage error.

            Examples:
              keysync verify < key.txt
              keysync verify --scope projects:write --ip 203.0.113.9 < key.txt
              printf 'X-API-Key: %s\\n' "$KEY" | keysync verify --format json
            """
    )

    enum Format: String, CaseIterable, ExpressibleByArgument { case text, json }

    @OptionGroup var trusted: TrustedStateOptions

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Option(help: ArgumentHelp("The scope the request requires (resource:action): refused unless the key grants it.",
                               valueName: "resource:action"))
    var scope: String?

    @Option(help: ArgumentHelp("The client's IPv4 or IPv6 address: refused when outside the key's allowed_ips.",
                               valueName: "address"))
    var ip: String?

    func validate() throws {
        _ = try accessRequest()
    }

    /// What `--scope` and `--ip` ask of the key; a bad spelling is a usage error.
    func accessRequest() throws -> AccessRequest {
        var request = AccessRequest.unchecked
        if let scope {
            do {
                request.scope = try Scope(requiring: scope)
            } catch {
                throw ValidationError("--scope: \(error.message); \(error.hint)")
            }
        }
        if let ip {
            do {
                request.client = .known(try IPAddress(parsing: ip))
            } catch {
                throw ValidationError("--ip: \(error.message); \(error.hint)")
            }
        }
        return request
    }

    var diagnosticFormat: DiagnosticRenderer.Format { format == .json ? .json : .text }

    @OptionGroup var progressOptions: ProgressOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let now = try PlanCommand.clock(environment)
        // One byte past the limit is enough to know the input is too long; the rest stays unread.
        let input = try Self.readStandardInput(atMost: PresentedKeyInput.maximumLength + 1)
        let presented: String
        switch PresentedKeyInput.parse(input) {
        case .success(let key): presented = key
        case .failure(let problem): throw ValidationError(problem.message)
        }
        let console = Console.current(for: self)
        let progress = try console.progress(quiet: progressOptions.quiet)
        defer { progress.finish() }
        let state = try trusted.load(environment: environment, progress: progress.reporter)
        progress.finish()
        let result = KeyVerifier(state: state).verify(presented, now: now, access: try accessRequest())
        let output = format == .json ? Self.json(result) : Self.text(result)
        console.write(output)
        // A refused key is an answer, already written: exit 1 without a diagnostic under it.
        if !result.isValid { throw ExitStatus.failure }
    }

    /// Standard input up to its end or `count` bytes, whichever comes first: a hostile pipe
    /// cannot make verify hold more than that in memory or keep it reading.
    static func readStandardInput(atMost count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < count {
            let wanted = min(buffer.count, count - bytes.count)
            let got = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, wanted) }
            if got < 0 {
                if errno == EINTR { continue }
                throw ValidationError("cannot read standard input: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            bytes.append(contentsOf: buffer[0..<got])
        }
        return bytes
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
            key = JSONKey(id: k.id.rawValue, team: k.team, name: k.name, preview: k.preview.rawValue, owner: Nullable(k.owner),
                          rateLimit: k.rateLimit, expiresAt: Nullable(k.expiresAt.map(Timestamp.format)))
        }
        return JSONOutput.render(JSONResult(valid: result.isValid, code: result.code.rawValue,
                                            httpStatus: result.httpStatus, message: result.message, key: Nullable(key)))
    }
}
