import Foundation
import Reconciler
import XCTest

/// A state file on disk built from real keys (seeded), for the `verify`, `list`, `expiring`
/// and signing tests. The raw keys stay in memory; tests check that no output contains them.
struct CLIState {
    static let now = "2026-11-25T12:00:00Z"
    var state: StateFile
    var keys: [String: APIKey] = [:]

    static func date(_ text: String) -> Date { Timestamp.parse(text)! }

    static func make() -> CLIState {
        var generator = SeededGenerator(seed: 11)
        var result = CLIState(state: StateFile(
            lineage: "5c1f0a9e-2b7d-4c3e-9f10-0d7e6a1b2c3d", serial: 4, prefix: "thig",
            teams: [
                TeamRecord(name: "payments", plan: "pro", apiAccess: true, owner: "lead@example.com",
                           contacts: ["payments-oncall@example.com", "lead@example.com"]),
                TeamRecord(name: "hobby", plan: "free", apiAccess: false, owner: "kid@example.com"),
            ]))
        func add(_ label: String, team: String, name: String, expires: String? = nil, rate: Int = 60,
                 owner: String? = nil, status: KeyStatus = .active, revokeAfter: String? = nil, generation: Int = 0) {
            let key = try! APIKey.mint(prefix: "thig", using: &generator)
            result.state.keys.append(KeyRecord(
                id: KeyID.mint(using: &generator), team: team, name: name, generation: generation,
                hash: key.hash, preview: key.preview, createdAt: date("2026-10-01T09:00:00Z"), createdBy: "ci",
                expiresAt: expires.map(date), rateLimit: rate, owner: owner, status: status,
                revokedAt: status == .revoked ? date("2026-11-01T00:00:00Z") : nil,
                revokedReason: status == .revoked ? .removedFromManifest : nil,
                revokeAfter: revokeAfter.map(date), sealedFile: "000004-\(team).age"))
            result.keys[label] = key
        }
        add("checkout", team: "payments", name: "checkout-api", expires: "2027-03-01T23:59:59Z", rate: 600, owner: "bob@example.com")
        add("batch", team: "payments", name: "batch", status: .inactive)
        add("edge", team: "payments", name: "edge", expires: now)
        add("soon", team: "payments", name: "soon", expires: "2026-11-30T23:59:59Z", owner: "carol@example.com")
        add("gone-old", team: "payments", name: "gone", status: .revoked)
        add("gone-new", team: "payments", name: "gone")
        add("retiring", team: "payments", name: "rotating", revokeAfter: "2026-11-25T13:00:00Z")
        add("successor", team: "payments", name: "rotating", generation: 1)
        add("toy", team: "hobby", name: "toy")
        add("relic", team: "hobby", name: "relic", expires: "2026-11-20T23:59:59Z")
        return result
    }

    /// Writes the state to `keysync.state.json` in a new folder, signed with the test key that
    /// `Keysync.run` trusts unless another key (or `nil`, unsigned) is given.
    func write(signedWith key: StateSigningKey? = Keysync.testStateSigningKey, function: String = #function) throws -> URL {
        let dir = try makeTemporaryDirectory(function)
        let file = key.map { state.signed(with: $0) } ?? state
        try file.encoded().write(to: dir.appendingPathComponent("keysync.state.json"))
        return dir
    }

    /// Asserts that no raw key of this state appears in `text` (without printing any key).
    func assertNoRawKey(in text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for (label, key) in keys {
            let raw = key.reveal()
            let body = String(raw[raw.index(after: raw.firstIndex(of: "_")!)...])
            if text.contains(body) { XCTFail("\(what) contains the raw key \(label) or its body", file: file, line: line) }
        }
    }
}


final class VerifyCommandTests: XCTestCase {
    let clock = ["KEYSYNC_NOW": CLIState.now]
    let note = "note: no state public key configured (KEYSYNC_STATE_PUBLIC_KEY); the state's signature is not checked\n"

    func verify(_ input: String, _ fixture: CLIState, in dir: URL, format: String = "text",
                environment: [String: String] = [:]) throws -> ProcessResult {
        let result = try Keysync.run(["verify", "--format", format], stdin: Data(input.utf8), in: dir,
                                     environment: clock.merging(environment) { _, new in new })
        fixture.assertNoRawKey(in: result.stdout, "stdout")
        fixture.assertNoRawKey(in: result.stderr, "stderr")
        return result
    }

    func testAValidKeyExitsZeroAndShowsOnlyItsPreview() throws {
        let fixture = CLIState.make()
        let dir = try fixture.write()
        let key = fixture.keys["checkout"]!
        let record = fixture.state.keys.first { $0.name == "checkout-api" }!
        let result = try verify(key.reveal() + "\n", fixture, in: dir)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            VALID (200): the key is valid
              key:        payments/checkout-api (\(record.id))
              preview:    \(key.preview)
              owner:      bob@example.com
              rate limit: 600 requests per minute
              expires:    2027-03-01T23:59:59Z

            """)
        XCTAssertEqual(result.stderr, "", "a signed state, checked: nothing to say")
    }

    func testJSONOutput() throws {
        let fixture = CLIState.make()
        let dir = try fixture.write()
        let valid = try verify(fixture.keys["checkout"]!.reveal(), fixture, in: dir, format: "json")
        XCTAssertEqual(valid.exitCode, 0, valid.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: valid.stdoutBytes) as? [String: Any])
        XCTAssertEqual(object["valid"] as? Bool, true)
        XCTAssertEqual(object["code"] as? String, "VALID")
        XCTAssertEqual(object["http_status"] as? Int, 200)
        let key = try XCTUnwrap(object["key"] as? [String: Any])
        XCTAssertEqual(key["team"] as? String, "payments")
        XCTAssertEqual(key["name"] as? String, "checkout-api")
        XCTAssertEqual(key["rate_limit"] as? Int, 600)
        XCTAssertEqual(key["expires_at"] as? String, "2027-03-01T23:59:59Z")
        XCTAssertEqual(key["preview"] as? String, fixture.keys["checkout"]!.preview.rawValue)

        let refused = try verify(fixture.keys["toy"]!.reveal(), fixture, in: dir, format: "json")
        XCTAssertEqual(refused.exitCode, 1)
        XCTAssertEqual(refused.stdout, """
            {
              "code" : "API_ACCESS_NOT_AVAILABLE",
              "http_status" : 403,
              "key" : null,
              "message" : "team hobby's plan (free) does not include API access",
              "valid" : false
            }

            """)
    }

    func testEveryHeaderForm() throws {
        let fixture = CLIState.make()
        let dir = try fixture.write()
        let key = fixture.keys["checkout"]!.reveal()
        for input in ["Authorization: Bearer \(key)\n", "authorization: bearer \(key)\r\n",
                      "AUTHORIZATION:Bearer   \(key)", "X-API-Key: \(key)\n", "x-api-key:\(key)  \r\n"] {
            let result = try verify(input, fixture, in: dir)
            XCTAssertEqual(result.exitCode, 0, "header form \(input.prefix(16))…: \(result.stdout)")
            XCTAssertTrue(result.stdout.hasPrefix("VALID (200)"), "header form \(input.prefix(16))…")
        }
    }

    func testRefusalsExitOneWithTheirCode() throws {
        var fixture = CLIState.make()
        let dir = try fixture.write()
        var generator = SeededGenerator(seed: 999)
        let foreign = try APIKey.mint(prefix: "othr", using: &generator)
        let unknown = try APIKey.mint(prefix: "thig", using: &generator)
        fixture.keys["foreign"] = foreign
        fixture.keys["unknown"] = unknown
        let key = fixture.keys["checkout"]!.reveal()
        var broken = Array(key.utf8)
        broken[10] = broken[10] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        let table: [(label: String, input: String, env: [String: String], first: String)] = [
            ("whitespace", "  \(key)\n", [:], "INVALID_API_KEY (401): the key is not valid: check the key has no extra whitespace (spaces or line breaks around it)"),
            ("bearer left in", "Bearer \(key)\n", [:], "INVALID_API_KEY (401): the key is not valid: check the key has no extra whitespace or a leftover 'Bearer ' prefix"),
            ("bearer twice", "Authorization: Bearer Bearer \(key)\n", [:], "INVALID_API_KEY (401): the key is not valid: check the key has no extra whitespace or a leftover 'Bearer ' prefix"),
            ("other prefix", foreign.reveal(), [:], "INVALID_API_KEY (401): the key is not a key of this installation: it starts with 'othr_', keys here start with 'thig_'"),
            ("bad checksum", String(decoding: broken, as: UTF8.self), [:], "INVALID_API_KEY (401): the key is not valid: the key's checksum does not match; it was mistyped or altered"),
            ("unknown", unknown.reveal(), [:], "INVALID_API_KEY (401): the key is not valid: no such key"),
            ("deactivated", fixture.keys["batch"]!.reveal(), [:], "KEY_DEACTIVATED (401): the key has been deactivated; ask its owner to reactivate it or use another key"),
            ("expired at the boundary", fixture.keys["edge"]!.reveal(), [:], "KEY_EXPIRED (401): the key expired at 2026-11-25T12:00:00Z; ask its owner for a new key"),
            ("revoked", fixture.keys["gone-old"]!.reveal(), [:], "KEY_REVOKED (401): the key has been revoked; use its replacement or ask its owner for a new key"),
            ("grace over", fixture.keys["retiring"]!.reveal(), ["KEYSYNC_NOW": "2026-11-25T13:00:00Z"], "KEY_REVOKED (401): the key has been revoked; use its replacement or ask its owner for a new key"),
            ("no api access", fixture.keys["toy"]!.reveal(), [:], "API_ACCESS_NOT_AVAILABLE (403): team hobby's plan (free) does not include API access"),
        ]
        for row in table {
            let result = try verify(row.input, fixture, in: dir, environment: row.env)
            XCTAssertEqual(result.exitCode, 1, row.label)
            XCTAssertEqual(result.stdout, row.first + "\n", row.label)
        }
        for (label, input, env) in [("a second before expiry", fixture.keys["edge"]!.reveal(), ["KEYSYNC_NOW": "2026-11-25T11:59:59Z"]),
                                    ("re-created name", fixture.keys["gone-new"]!.reveal(), [:]),
                                    ("within grace", fixture.keys["retiring"]!.reveal(), ["KEYSYNC_NOW": "2026-11-25T12:59:59Z"])] {
            let result = try verify(input, fixture, in: dir, environment: env)
            XCTAssertEqual(result.exitCode, 0, label)
        }
    }

    func testUsageErrorsExit64AndStateErrorsExit1() throws {
        let fixture = CLIState.make()
        let dir = try fixture.write()
        let key = fixture.keys["checkout"]!.reveal()
        let body = key.drop { $0 != "_" }.dropFirst()
        for input in ["Cookie: session=\(key)\n", "\(key)\n\(key)\n", "Authorization: Basic \(key)\n", "\(body): x\n"] {
            let result = try verify(input, fixture, in: dir)
            XCTAssertEqual(result.exitCode, 64, "input \(input.prefix(8))…")
            XCTAssertEqual(result.stdout, "")
        }
        let badFormat = try Keysync.run(["verify", "--format", "yaml"], stdin: Data(key.utf8), in: dir, environment: clock)
        XCTAssertEqual(badFormat.exitCode, 64)
        fixture.assertNoRawKey(in: badFormat.stderr, "stderr")

        let missing = try Keysync.run(["verify", "--state", "nope.json"], stdin: Data(key.utf8), in: dir, environment: clock)
        XCTAssertEqual(missing.exitCode, 1)
        XCTAssertTrue(missing.stderr.contains("error[state-missing]: the state file nope.json does not exist"), missing.stderr)
        fixture.assertNoRawKey(in: missing.stderr, "stderr")
    }
}

/// A hostile pipe: `verify` reads at most one byte past its 16 KiB limit, then refuses, however
/// much more is waiting. Measured from a fresh python3 process, so its children's peak memory
/// (ru_maxrss) is verify's alone.
final class VerifyHostileInputTests: XCTestCase {
    static let feeder = #"""
        import json, resource, subprocess, sys, threading, time
        p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sent = [0]
        def feed():
            chunk = b"A" * (1 << 20)
            try:
                for _ in range(100):
                    p.stdin.write(chunk)
                    sent[0] += len(chunk)
                p.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        start = time.monotonic()
        t = threading.Thread(target=feed, daemon=True)
        t.start()
        out, err = p.stdout.read(), p.stderr.read()
        p.wait()
        elapsed = time.monotonic() - start
        t.join(5)
        print(json.dumps({"status": p.returncode, "stderr": err.decode(), "stdout": out.decode(), "seconds": elapsed,
                          "sent": sent[0], "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
        """#

    func testA100MBStandardInputIsRefusedPromptlyWithBoundedMemory() throws {
        let fixture = CLIState.make()
        let dir = try fixture.write()
        let python = Process()
        python.executableURL = try Python.executable(for: "to feed 100 MB and measure the child's peak memory")
        python.arguments = ["-c", Self.feeder, Keysync.binary.path, "verify",
                            "--state", dir.appendingPathComponent("keysync.state.json").path]
        python.environment = Keysync.environment(["KEYSYNC_NOW": CLIState.now])
        let out = Pipe()
        python.standardOutput = out
        try python.run()
        let report = out.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        XCTAssertEqual(python.terminationStatus, 0)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: report) as? [String: Any])
        XCTAssertEqual(result["status"] as? Int, 64)
        XCTAssertEqual(result["stdout"] as? String, "")
        XCTAssertTrue((result["stderr"] as? String ?? "").contains("standard input is too long for a key or a header line"),
                      "\(result["stderr"] ?? "")")
        // Refused long before the end: the feeder's 1 MiB writes never all went through.
        XCTAssertLessThan(result["sent"] as? Int ?? .max, 100 << 20)
        XCTAssertLessThan(result["seconds"] as? Double ?? .infinity, 10)
        // Reading everything first would put the 100 MB in memory.
        XCTAssertLessThan(result["maxrss_kib"] as? Int ?? .max, 60 * 1024, "peak memory of verify")
    }
}
