import Foundation
import HummingbirdTesting
import KeysyncServer
import Logging
import TestSupport
import XCTest

/// TLS to a REAL PostgreSQL (a throwaway cluster with `ssl = on` and a self-signed certificate
/// made by the test): `verify-full` with the right root connects, with another root it is
/// refused and says why, `require` connects without verifying, a certificate naming another
/// host fails `verify-full` only; a node's pooled connections are encrypted (`pg_stat_ssl`).
final class PostgresTLSTests: ServerTestCase {
    func testVerifyFullConnectsOnlyWithTheRightRootAndRequireConnects() async throws {
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        let certificates = cluster.folder.appendingPathComponent("certificates")
        let server = try TestCertificates.selfSigned(in: certificates, name: "server")
        let other = try TestCertificates.selfSigned(in: certificates, name: "other")
        try cluster.enableTLS(certificate: server.certificate, key: server.key)
        let base = "postgres://\(PostgresCluster.user)@127.0.0.1:\(cluster.port)/\(PostgresCluster.database)"
        func backend(_ query: String) throws -> PostgresBackend {
            var backend = try PostgresBackend(url: base + "?" + query, nodeID: "tls", environment: [:])
            backend.operationTimeout = .seconds(2)
            return backend
        }
        var logger = Logger(label: "tls-test")
        logger.logLevel = .critical  // the refused handshakes are the point, not noise for the test log

        try await backend("sslmode=verify-full&sslrootcert=\(server.certificate)").probe(logger: logger)
        try await backend("sslmode=verify-ca&sslrootcert=\(server.certificate)").probe(logger: logger)
        try await backend("sslmode=require").probe(logger: logger)
        try await backend("sslmode=prefer").probe(logger: logger)

        // Another root: refused, and the reason names the certificate.
        let wrong = try backend("sslmode=verify-full&sslrootcert=\(other.certificate)")
        do {
            try await wrong.probe(logger: logger)
            XCTFail("a server certificate from another root was accepted")
        } catch {
            let reason = describeDatabaseError(error)
            XCTAssertTrue(reason.contains("CERTIFICATE_VERIFY_FAILED"), reason)
        }
        // The `usage` and `requests` commands' path gives the same reason, not a bare timeout.
        do {
            _ = try await PostgresUsageStore.withStore(wrong, logger: logger) { try await $0.usage() }
            XCTFail("a server certificate from another root was accepted")
        } catch {
            let reason = describeDatabaseError(error)
            XCTAssertTrue(reason.contains("CERTIFICATE_VERIFY_FAILED"), reason)
        }

        // The right root but a certificate naming another host: verify-full refuses it, verify-ca
        // (which checks the chain only) accepts it.
        let misnamed = try TestCertificates.selfSigned(in: certificates, name: "misnamed", alternativeNames: "DNS:db.elsewhere")
        try cluster.enableTLS(certificate: misnamed.certificate, key: misnamed.key)
        do {
            try await backend("sslmode=verify-full&sslrootcert=\(misnamed.certificate)").probe(logger: logger)
            XCTFail("a certificate naming another host passed verify-full")
        } catch {
            XCTAssertFalse(describeDatabaseError(error).isEmpty)
        }
        try await backend("sslmode=verify-ca&sslrootcert=\(misnamed.certificate)").probe(logger: logger)
        try cluster.enableTLS(certificate: server.certificate, key: server.key)

        // A node with verify-full: its pooled connections are encrypted.
        let f = fixture!
        let clock = ManualClock(ServerFixture.now + 1)
        var configuration = f.configuration(clock: clock, logs: logs)
        var nodeBackend = try backend("sslmode=verify-full&sslrootcert=\(server.certificate)")
        nodeBackend.syncInterval = .milliseconds(100)
        configuration.backend = nodeBackend
        let (app, components) = try buildApplication(configuration: configuration)
        try await app.test(.live) { client in
            try await ScaleOutTests.eventually("the node to reach the backend over TLS") {
                components.metrics.value(of: "keysync_backend_up") == 1
            }
            let answer = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
            XCTAssertEqual(answer.status, 200)
            try await ScaleOutTests.eventually("the usage written over TLS") {
                try cluster.psql("SELECT coalesce(sum(count), 0) FROM keysync_key_usage") == "1"
            }
            XCTAssertEqual(try cluster.psql("""
                SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
                """), "t", "every connection of the node is encrypted")
        }
    }
}
