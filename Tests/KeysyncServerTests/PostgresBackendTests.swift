import KeysyncServer
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
        XCTAssertEqual(backend.password, "from-keysync", "KEYSYNC_PG_PASSWORD wins over PGPASSWORD")
        XCTAssertEqual(backend.displayURL, "postgres://keysync@db.internal:6432/usage")
        XCTAssertEqual(try PostgresBackend(url: "postgresql://u@h/d", nodeID: "n", environment: ["PGPASSWORD": "p"]).password, "p")
        XCTAssertNil(try PostgresBackend(url: "postgresql://u@h/d", nodeID: "n", environment: [:]).password)
        XCTAssertEqual(try PostgresBackend(url: "postgresql://u@h/d", nodeID: "n", environment: [:]).port, 5432)
    }

    func testAPasswordInTheURLOrAMissingPartIsRefused() {
        for bad in ["postgres://u:secret@h:5432/d", "mysql://u@h/d", "postgres://h:5432/d", "postgres://u@h:5432/",
                    "postgres://u@h:5432/d?sslmode=disable", "postgres://u@:5432/d", "not a url"] {
            XCTAssertThrowsError(try PostgresBackend(url: bad, nodeID: "n", environment: [:]), bad) { error in
                XCTAssertFalse("\(error)".contains("secret"), "the refusal repeats the password")
            }
        }
    }
}
