import KeysyncServer
import TestSupport
import XCTest

/// `--backend` parsing: the password only ever from the environment.
final class PostgresBackendTests: XCTestCase {
    func testTheURLNamesUserHostPortAndDatabase() throws {
        let backend = try PostgresBackend(url: "postgres://keysync@db.internal:6432/usage", nodeID: "edge-1",
                                          environment: ["PGPASSWORD": "from-pg", "KEYSYNC_PG_PASSWORD": "from-keysync"])
        XCTAssertEqual(backend.host, "db.internal")
        XCTAssertEqual(backend.port, 6432)
        XCTAssertEqual(backend.username, "keysync")
        XCTAssertEqual(backend.database, "usage")
        XCTAssertEqual(backend.nodeID, "edge-1")
        XCTAssertEqual(backend.password, PostgresPassword("from-keysync"), "KEYSYNC_PG_PASSWORD wins over PGPASSWORD")
        XCTAssertEqual(backend.displayURL, "postgres://keysync@db.internal:6432/usage")
        XCTAssertEqual(try PostgresBackend(url: "postgresql://u@h/d", nodeID: "n", environment: ["PGPASSWORD": "p"]).password, PostgresPassword("p"))
        XCTAssertNil(try PostgresBackend(url: "postgresql://u@h/d", nodeID: "n", environment: [:]).password)
        XCTAssertEqual(try PostgresBackend(url: "postgresql://u@h/d", nodeID: "n", environment: [:]).port, 5432)
    }

    /// `sslmode` as libpq spells it, `prefer` when absent; `sslrootcert` only where a
    /// certificate is verified, and read when the URL is parsed.
    func testSSLModeAndRootCertificateComeFromTheURL() throws {
        XCTAssertEqual(try PostgresBackend(url: "postgres://u@h/d", nodeID: "n", environment: [:]).sslMode, .prefer)
        for mode in PostgresBackend.SSLMode.allCases {
            let backend = try PostgresBackend(url: "postgres://u@h/d?sslmode=\(mode.rawValue)", nodeID: "n", environment: [:])
            XCTAssertEqual(backend.sslMode, mode)
            XCTAssertNil(backend.rootCertificatePath)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keysync-tls-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (certificate, _) = try TestCertificates.selfSigned(in: folder, name: "root")
        let backend = try PostgresBackend(url: "postgres://u@h:5433/d?sslmode=verify-full&sslrootcert=\(certificate)",
                                          nodeID: "n", environment: [:])
        XCTAssertEqual(backend.sslMode, .verifyFull)
        XCTAssertEqual(backend.rootCertificatePath, certificate)
        XCTAssertEqual(backend.displayURL, "postgres://u@h:5433/d?sslmode=verify-full")
        XCTAssertThrowsError(try PostgresBackend(url: "postgres://u@h/d?sslmode=verify-ca&sslrootcert=\(folder.path)/missing.crt",
                                                 nodeID: "n", environment: [:])) { error in
            XCTAssertEqual("\(error)", "--backend: sslrootcert \(folder.path)/missing.crt is not a readable PEM certificate file")
        }
    }

    /// The password from a file (a mounted secret), after KEYSYNC_PG_PASSWORD and before PGPASSWORD.
    func testThePasswordMayComeFromAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keysync-pw-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: file) }
        try "from-file\nignored\n".write(to: file, atomically: true, encoding: .utf8)
        let url = "postgres://u@h/d"
        XCTAssertEqual(try PostgresBackend(url: url, nodeID: "n", environment: ["KEYSYNC_PG_PASSWORD_FILE": file.path, "PGPASSWORD": "pg"]).password, PostgresPassword("from-file"))
        XCTAssertEqual(try PostgresBackend(url: url, nodeID: "n", environment: ["KEYSYNC_PG_PASSWORD_FILE": file.path, "KEYSYNC_PG_PASSWORD": "env"]).password, PostgresPassword("env"))
        XCTAssertThrowsError(try PostgresBackend(url: url, nodeID: "n", environment: ["KEYSYNC_PG_PASSWORD_FILE": file.path + ".missing"])) { error in
            XCTAssertEqual("\(error)", "KEYSYNC_PG_PASSWORD_FILE \(file.path).missing cannot be read")
        }
    }

    /// A password file is a line, not a stream: a file over 4 KiB, a device and a folder are
    /// refused with the file's name and never its content; 4 KiB exactly is read.
    func testThePasswordFileIsBoundedAndMustBeARegularFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keysync-pwf-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = "postgres://u@h/d"
        func backend(_ file: String) throws -> PostgresBackend {
            try PostgresBackend(url: url, nodeID: "n", environment: ["KEYSYNC_PG_PASSWORD_FILE": file])
        }
        let large = folder.appendingPathComponent("large").path
        try Data(("secret-line\n" + String(repeating: "x", count: 4096)).utf8).write(to: URL(fileURLWithPath: large))
        XCTAssertThrowsError(try backend(large)) { error in
            XCTAssertEqual("\(error)", "KEYSYNC_PG_PASSWORD_FILE \(large) is larger than 4096 bytes; it must hold only the password on its first line")
        }
        let exact = folder.appendingPathComponent("exact").path
        try Data((String(repeating: "p", count: 4095) + "\n").utf8).write(to: URL(fileURLWithPath: exact))
        XCTAssertEqual(try backend(exact).password, PostgresPassword(String(repeating: "p", count: 4095)))
        for device in ["/dev/zero", folder.path] {
            XCTAssertThrowsError(try backend(device), device) { error in
                XCTAssertEqual("\(error)", "KEYSYNC_PG_PASSWORD_FILE \(device) is not a regular file; it must hold the password on its first line")
            }
        }
        let binary = folder.appendingPathComponent("binary").path
        try Data([0x73, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: binary))
        XCTAssertThrowsError(try backend(binary)) { error in
            XCTAssertEqual("\(error)", "KEYSYNC_PG_PASSWORD_FILE \(binary) is not UTF-8 text")
        }
    }

    /// Printing a backend, however it is printed, never shows the password.
    func testThePasswordNeverPrints() throws {
        let backend = try PostgresBackend(url: "postgres://u@h/d", nodeID: "n", environment: ["KEYSYNC_PG_PASSWORD": "hunter2-secret"])
        var dumped = ""
        dump(backend, to: &dumped)
        let password = try XCTUnwrap(backend.password)
        var dumpedPassword = ""
        dump(password, to: &dumpedPassword)
        for text in ["\(backend)", String(reflecting: backend), dumped, "\(password)", String(reflecting: password),
                     dumpedPassword, "\(Mirror(reflecting: backend).children.map { "\($0.label ?? ""): \($0.value)" })"] {
            XCTAssertFalse(text.contains("hunter2"), text)
        }
        XCTAssertTrue(dumped.contains("<redacted>"), dumped)
        XCTAssertEqual(backend.password, PostgresPassword("hunter2-secret"), "redacted in print, kept for the connection")
        XCTAssertNotEqual(backend.password, PostgresPassword("other"))
    }

    func testAPasswordInTheURLOrAMissingPartIsRefused() {
        for bad in ["postgres://u:secret@h:5432/d", "mysql://u@h/d", "postgres://h:5432/d", "postgres://u@h:5432/",
                    "postgres://u@h:5432/d?sslmode=sometimes", "postgres://u@h:5432/d?password=secret",
                    "postgres://u@h:5432/d?sslmode=require&sslrootcert=/etc/hostname",
                    "postgres://u@h:5432/d?sslmode=verify-full&sslrootcert=/nonexistent/root.crt",
                    "postgres://u@h:5432/d?sslmode=verify-full&sslrootcert=/etc/hostname",
                    "postgres://u@:5432/d", "not a url"] {
            XCTAssertThrowsError(try PostgresBackend(url: bad, nodeID: "n", environment: [:]), bad) { error in
                XCTAssertFalse("\(error)".contains("secret"), "the refusal repeats the password")
            }
        }
    }
}
