import Foundation
import Hummingbird
import HummingbirdTesting
import Reconciler
import XCTest

/// `keysync notify` end to end, against real peers: msmtp as the sendmail, delivering to an
/// aiosmtpd SMTP server, and a Hummingbird webhook receiver. Each test sends, checks what
/// arrived, runs again to see nothing repeated, and sees a failed send retried.
final class NotifyCommandTests: XCTestCase {
    static let clock = ["KEYSYNC_NOW": CLIState.now]
    let from = "keysync@example.com"

    /// The fixture's state, with one team owner that is not a mail address.
    static func fixture() -> CLIState {
        var fixture = CLIState.make()
        fixture.state.teams = fixture.state.teams.map { team in
            var team = team
            if team.name == "hobby" { team.owner = "hobby-team" }
            return team
        }
        return fixture
    }

    static func run(_ arguments: [String], _ fixture: CLIState, in dir: URL, environment: [String: String] = [:]) throws -> ProcessResult {
        let result = try Keysync.run(["notify"] + arguments, in: dir, environment: clock.merging(environment) { _, new in new })
        fixture.assertNoRawKey(in: result.stdout, "stdout")
        fixture.assertNoRawKey(in: result.stderr, "stderr")
        return result
    }

    static func line(_ fixture: CLIState, _ name: String) -> String {
        let record = fixture.state.keys.first { $0.name == name && $0.isCurrent }!
        let when = Timestamp.format(record.expiresAt!)
        let verb = record.isExpired(at: CLIState.date(CLIState.now)) ? "expired" : "expires"
        return "\(record.team)/\(record.name) (\(record.id), \(record.preview)) \(verb) \(when)"
    }

    func testMailsEachPersonOnceThroughMsmtpAndRetriesAFailedSend() throws {
        let fixture = Self.fixture()
        let dir = try fixture.write()
        let smtp = try SMTPPeer(in: dir)
        defer { smtp.stop() }
        let ledger = dir.appendingPathComponent("keysync.notices.json")
        let mail = ["--sendmail", smtp.sendmail, "--from", from]

        // The SMTP server is down: every send fails, nothing is recorded, the run fails.
        let down = try Self.run(mail, fixture, in: dir)
        XCTAssertEqual(down.exitCode, 1, down.stderr)
        XCTAssertEqual(down.stderr.components(separatedBy: "notice-send-failed").count - 1, 3, down.stderr)
        XCTAssertTrue(down.stderr.contains("mail to lead@example.com failed: msmtp exited"), down.stderr)
        XCTAssertTrue(down.stderr.contains("notify failed: 3 of 3 messages not sent"), down.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ledger.path), "a failed send records nothing")

        // The owner that is not a mail address is named, and nobody else is left out.
        XCTAssertTrue(down.stderr.contains("\"hobby-team\" (owner or contact of hobby/relic) is not a mail address: no mail; no webhook is configured"), down.stderr)

        // A dry run prints the messages and sends nothing.
        try smtp.start()
        let dry = try Self.run(mail + ["--dry-run"], fixture, in: dir)
        XCTAssertEqual(dry.exitCode, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.hasPrefix("dry run: nothing is sent and keysync.notices.json is not written\n"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("--- mail to payments-oncall@example.com (2 keys) ---\nFrom: keysync <keysync@example.com>\n"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains(Self.line(fixture, "soon")), dry.stdout)
        XCTAssertEqual(try smtp.messages().count, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ledger.path))

        // The server is up: the retry sends one mail per person, each with their keys.
        let sent = try Self.run(mail, fixture, in: dir)
        XCTAssertEqual(sent.exitCode, 0, sent.stderr)
        XCTAssertEqual(sent.stdout, """
            sent mail to carol@example.com: 1 key
            sent mail to lead@example.com: 2 keys
            sent mail to payments-oncall@example.com: 2 keys
            recorded in keysync.notices.json (commit it)

            """)
        let messages = try smtp.messages()
        XCTAssertEqual(messages.count, 3)
        let byRecipient = Dictionary(uniqueKeysWithValues: messages.map { ($0.headers["x-rcptto"] ?? "?", $0) })
        XCTAssertEqual(Set(byRecipient.keys), ["carol@example.com", "lead@example.com", "payments-oncall@example.com"])
        let expected = ["carol@example.com": ["soon"], "lead@example.com": ["edge", "soon"],
                        "payments-oncall@example.com": ["edge", "soon"]]
        for (recipient, names) in expected {
            let message = try XCTUnwrap(byRecipient[recipient])
            XCTAssertEqual(message.headers["x-mailfrom"], from)
            XCTAssertEqual(message.headers["from"], "keysync <\(from)>")
            XCTAssertEqual(message.headers["to"], "<\(recipient)>")
            XCTAssertEqual(message.headers["subject"],
                           names.count == 1 ? "keysync: 1 API key has expired or expires within 7d"
                                : "keysync: \(names.count) API keys have expired or expire within 7d")
            for name in names {
                XCTAssertTrue(message.body.contains(Self.line(fixture, name)), "\(recipient) should hear about \(name): \(message.body)")
            }
            for other in ["edge", "soon", "relic", "checkout-api"] where !names.contains(other) {
                XCTAssertFalse(message.body.contains("/\(other) ("), "\(recipient) should not hear about \(other)")
            }
            fixture.assertNoRawKey(in: message.body, "the mail to \(recipient)")
            for record in fixture.state.keys {
                XCTAssertFalse(message.body.contains(record.hash.rawValue), "a key hash in the mail")
            }
        }
        XCTAssertTrue(byRecipient["carol@example.com"]!.body.contains("[owner]"))
        XCTAssertTrue(byRecipient["payments-oncall@example.com"]!.body.contains("[contact]"))

        // A daily job: the next run sends nothing.
        let again = try Self.run(mail, fixture, in: dir)
        XCTAssertEqual(again.exitCode, 0, again.stderr)
        XCTAssertEqual(again.stdout, "nothing to send: 3 keys due, but no one left to tell can be reached (see the warnings)\n")
        XCTAssertEqual(try smtp.messages().count, 3)

        // The ledger records each delivery by key id, never by preview or hash.
        let recorded = try String(contentsOf: ledger, encoding: .utf8)
        XCTAssertEqual(recorded.components(separatedBy: "\"to\": \"mail:").count - 1, 5, recorded)
        for record in fixture.state.keys {
            XCTAssertFalse(recorded.contains(record.preview.rawValue))
            XCTAssertFalse(recorded.contains(record.hash.rawValue))
        }
    }

    func testPostsOneWebhookMessageKeepsTheURLSecretAndRetries() async throws {
        let fixture = Self.fixture()
        let dir = try fixture.write()
        let urlFile = dir.appendingPathComponent("webhook-url")
        let ledger = dir.appendingPathComponent("keysync.notices.json")
        let receiver = WebhookReceiver(failingFirst: [.internalServerError, .temporaryRedirect])
        try await receiver.application().test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let url = "http://127.0.0.1:\(port)\(WebhookReceiver.secretPath)"
            try url.write(to: urlFile, atomically: true, encoding: .utf8)
            func check(_ result: ProcessResult) {
                for output in [result.stdout, result.stderr] {
                    XCTAssertFalse(output.contains("s3cr3tW3bh00kT0k3n"), "the webhook URL was printed: \(output)")
                }
            }

            // The receiver answers 500 first: the run fails and records nothing.
            let refused = try Self.run(["--webhook-url-file", urlFile.path], fixture, in: dir)
            check(refused)
            XCTAssertEqual(refused.exitCode, 1, refused.stderr)
            XCTAssertTrue(refused.stderr.contains("the webhook message failed: the webhook (the webhook URL file \(urlFile.path)) answered HTTP 500"), refused.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: ledger.path))

            // A redirect is not followed (the message goes to the configured host or nowhere).
            let redirected = try Self.run(["--webhook-url-file", urlFile.path], fixture, in: dir)
            check(redirected)
            XCTAssertEqual(redirected.exitCode, 1, redirected.stderr)
            XCTAssertTrue(redirected.stderr.contains("answered HTTP 307"), redirected.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: ledger.path))

            // Retried, from the environment this time: one message with every due key.
            let sent = try Self.run([], fixture, in: dir, environment: ["KEYSYNC_WEBHOOK_URL": url])
            check(sent)
            XCTAssertEqual(sent.exitCode, 0, sent.stderr)
            XCTAssertEqual(sent.stdout, "sent the webhook message: 3 keys\nrecorded in keysync.notices.json (commit it)\n")
            let bodies = await receiver.bodies
            XCTAssertEqual(bodies.count, 3)
            XCTAssertEqual(Set(bodies).count, 1, "each retry posts the same message")
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bodies[2].utf8)) as? [String: Any])
            let text = try XCTUnwrap(object["text"] as? String)
            XCTAssertTrue(text.hasPrefix("*keysync*: 3 API keys have expired or expire within 7d (as of 2026-11-25T12:00:00Z):\n"), text)
            XCTAssertTrue(text.contains("• \(Self.line(fixture, "edge")): lead@example.com, payments-oncall@example.com\n"), text)
            XCTAssertTrue(text.contains("• \(Self.line(fixture, "soon")): carol@example.com, payments-oncall@example.com, lead@example.com\n"), text)
            XCTAssertTrue(text.contains("• \(Self.line(fixture, "relic")): hobby-team\n"), "the owner that is not a mail address is named: \(text)")
            fixture.assertNoRawKey(in: bodies[2], "the webhook message")

            // Nothing new: nothing posted.
            let again = try Self.run(["--webhook-url-file", urlFile.path], fixture, in: dir)
            XCTAssertEqual(again.exitCode, 0, again.stderr)
            XCTAssertEqual(again.stdout, "nothing to send: 3 keys due, every notice was sent on an earlier run\n")
            let count = await receiver.bodies.count
            XCTAssertEqual(count, 3)

            // A ledger that is a symbolic link is refused before anything is sent.
            let elsewhere = dir.appendingPathComponent("elsewhere.json")
            try FileManager.default.moveItem(at: ledger, to: elsewhere)
            try FileManager.default.createSymbolicLink(at: ledger, withDestinationURL: elsewhere)
            let linked = try Self.run(["--webhook-url-file", urlFile.path], fixture, in: dir)
            XCTAssertEqual(linked.exitCode, 1, linked.stderr)
            XCTAssertTrue(linked.stderr.contains("notice-ledger-unreadable"), linked.stderr)
            let after = await receiver.bodies.count
            XCTAssertEqual(after, 3)
        }
    }

    func testTheWebhookURLNeverComesFromArgvAndIsNeverPrinted() throws {
        let fixture = Self.fixture()
        let dir = try fixture.write()
        let secret = "https://hooks.example.com/services/T0/B0/topsecrettoken"
        let argv = try Self.run(["--webhook", secret], fixture, in: dir)
        XCTAssertEqual(argv.exitCode, 64, "there is no option that takes the URL")

        let plain = try Self.run([], fixture, in: dir, environment: ["KEYSYNC_WEBHOOK_URL": "http://hooks.example.com/services/T0/B0/topsecrettoken"])
        XCTAssertEqual(plain.exitCode, 1)
        XCTAssertTrue(plain.stderr.contains("notice-webhook-url"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("must be https"), plain.stderr)
        XCTAssertFalse(plain.stderr.contains("topsecrettoken"), plain.stderr)

        let nowhere = try Self.run([], fixture, in: dir, environment: ["KEYSYNC_WEBHOOK_URL": ""])
        XCTAssertEqual(nowhere.exitCode, 64, nowhere.stderr)
        XCTAssertTrue(nowhere.stderr.contains("nowhere to send"), nowhere.stderr)

        let noSender = try Self.run(["--sendmail", "/usr/sbin/sendmail"], fixture, in: dir)
        XCTAssertEqual(noSender.exitCode, 64)
        XCTAssertTrue(noSender.stderr.contains("--sendmail needs --from"), noSender.stderr)
        let badSender = try Self.run(["--sendmail", "/usr/sbin/sendmail", "--from", "not an address"], fixture, in: dir)
        XCTAssertEqual(badSender.exitCode, 64)
    }

    func testASecondRunOnTheSameLedgerWaitsForNoOneAndSendsNothing() throws {
        let fixture = Self.fixture()
        let dir = try fixture.write()
        let ledger = dir.appendingPathComponent("keysync.notices.json")
        // Nothing listens there: a run that got past the lock would fail to send instead.
        let url = "http://127.0.0.1:\(try freePort())/hook"
        let other = try StateLock.acquire(forState: ledger.path, holder: LockHolder(pid: 4242, host: "ci-runner", startedAt: Date()))
        let locked = try Self.run([], fixture, in: dir, environment: ["KEYSYNC_WEBHOOK_URL": url])
        XCTAssertEqual(locked.exitCode, 1, locked.stderr)
        XCTAssertTrue(locked.stderr.contains("notice-ledger-locked"), locked.stderr)
        XCTAssertTrue(locked.stderr.contains("pid 4242 on ci-runner"), locked.stderr)
        XCTAssertTrue(locked.stderr.contains("nothing was sent"), locked.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ledger.path))

        // A dry run only reads: it takes no lock.
        let dry = try Self.run(["--dry-run"], fixture, in: dir, environment: ["KEYSYNC_WEBHOOK_URL": url])
        XCTAssertEqual(dry.exitCode, 0, dry.stderr)

        other.release()
        let unlocked = try Self.run([], fixture, in: dir, environment: ["KEYSYNC_WEBHOOK_URL": url])
        XCTAssertEqual(unlocked.exitCode, 1, unlocked.stderr)
        XCTAssertTrue(unlocked.stderr.contains("notice-send-failed"), "past the lock it tries to send: \(unlocked.stderr)")
    }
}
