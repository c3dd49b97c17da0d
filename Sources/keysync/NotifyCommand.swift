import ArgumentParser
import Foundation
import Manifest
import Notices
import Reconciler

/// `keysync notify`: tells each owner and contact, once, about their keys that have expired
/// or expire within the window — by mail through the system's sendmail interface and/or one
/// Slack-compatible webhook message — and records what went out in the notices ledger, so a
/// daily job does not repeat itself. The logic is the `Notices` library's; this file parses
/// options, fills the seams (sendmail, HTTP, clock, files) and prints. See docs/notify.md.
/// Exit status: 0 everything due was sent (or had been), 1 a send or the ledger failed, 64 usage.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Tell owners and contacts, once, about their keys that expire soon (mail, webhook).",
        discussion: """
            Each owner and contact gets one mail listing their keys that have expired or expire
            within the window; the webhook gets one message listing them all. What was sent is
            recorded in the notices ledger (keysync.notices.json beside the state), so each key's
            expiry is announced once; commit the ledger after the run. A failed send is retried
            by the next run. The webhook URL is a secret: it is read from --webhook-url-file or
            $KEYSYNC_WEBHOOK_URL, never from the command line, and never printed.
            Exit status: 0 all sent (or sent before), 1 a send or the ledger failed, 64 usage error.

            Examples:
              keysync notify --within 7d --sendmail /usr/sbin/sendmail --from keysync@example.com
              keysync notify --sendmail 'msmtp -C ci/msmtprc' --from keysync@example.com --dry-run
              KEYSYNC_WEBHOOK_URL=... keysync notify --within 14d
            """
    )

    static let webhookVariable = "KEYSYNC_WEBHOOK_URL"

    @OptionGroup var trusted: TrustedStateOptions

    @Option(help: "The window, e.g. 7d, 48h, 2w.")
    var within: Period = .week

    @Option(help: ArgumentHelp(
        "Mail through this sendmail-compatible program, with its own arguments split at spaces (e.g. 'msmtp -C FILE'); keysync adds -i -f FROM -- RECIPIENT.",
        valueName: "COMMAND"))
    var sendmail: SendmailCommand?

    @Option(help: ArgumentHelp("The sender of the mails (required with --sendmail).", valueName: "ADDRESS"))
    var from: MailAddress?

    @Option(name: .customLong("webhook-url-file"),
            help: ArgumentHelp("Post to the webhook whose URL this file holds (a secret); default: $KEYSYNC_WEBHOOK_URL.", valueName: "FILE"))
    var webhookURLFile: String?

    @Option(help: ArgumentHelp("The notices ledger (default: keysync.notices.json beside the state).", valueName: "FILE"))
    var ledger: String?

    @Flag(name: .customLong("dry-run"), help: "Print the messages that would be sent; send nothing, write nothing.")
    var dryRun = false

    @OptionGroup var progressOptions: ProgressOptions

    func validate() throws {
        if sendmail != nil && from == nil {
            throw ValidationError("--sendmail needs --from ADDRESS, the mails' sender")
        }
        if from != nil && sendmail == nil {
            throw ValidationError("--from is only used with --sendmail")
        }
    }

    var ledgerPath: String {
        if let ledger { return ledger }
        let directory = (trusted.state as NSString).deletingLastPathComponent
        return directory.isEmpty ? NoticeLedger.defaultFileName : (directory as NSString).appendingPathComponent(NoticeLedger.defaultFileName)
    }

    /// `<ledger>.lock`, taken without waiting: a scheduled run that finds another one running
    /// leaves the work to it.
    private func lockLedger(holder: LockHolder) throws -> StateLock {
        do {
            return try StateLock.acquire(forState: ledgerPath, holder: holder)
        } catch {
            switch error {
            case .held(let lockFile, let holder, _):
                throw CommandFailure(.error(.noticeLedgerLocked,
                                            "another keysync notify (\(holder.map { "\($0)" } ?? "another process")) holds \(lockFile)",
                                            hint: "let it finish; nothing was sent", at: nil),
                                     summary: "notify failed: nothing was sent")
            case .unavailable(let cause):
                throw CommandFailure(.error(.noticeLedgerUnreadable, "cannot lock the notices ledger: \(cause)",
                                            hint: "the ledger's folder must be writable; nothing was sent", at: nil),
                                     summary: "notify failed: nothing was sent")
            }
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let console = Console.current(for: self)
        let now = try PlanCommand.clock(environment)
        let webhookURL = try WebhookURL.load(file: webhookURLFile, environment: environment)
        guard sendmail != nil || webhookURL != nil else {
            throw ValidationError("nowhere to send: give --sendmail (with --from) and/or a webhook (--webhook-url-file or $\(Self.webhookVariable))")
        }
        let progress = try console.progress(quiet: progressOptions.quiet)
        defer { progress.finish() }
        let state = try trusted.load(environment: environment, progress: progress.reporter)
        progress.finish()
        let run = NoticeRun(
            due: DueNotice.due(in: state, now: now, within: TimeInterval(within.seconds)), now: now, within: within.text,
            ledgerPath: ledgerPath,
            mail: sendmail.map { (transport: SendmailTransport(command: $0), from: from!) },
            webhook: webhookURL.map { HTTPWebhookTransport(url: $0) })
        let storage = FileSystemStorage()
        // Held from reading the ledger to writing it: a second run on this machine would send
        // the same notices before either records them. (Runs on other machines share no file
        // system; the templates serialise those with the apply job's concurrency group.)
        let lock = dryRun ? nil : try lockLedger(holder: .current(startedAt: now))
        defer { lock?.release() }
        let planned: (plan: NoticePlan, ledger: NoticeLedger)
        do {
            planned = try run.plan(storage: storage)
        } catch {
            throw CommandFailure(.error(.noticeLedgerUnreadable, "cannot read the notices ledger \(ledgerPath): \(error)",
                                        hint: "fix or remove the file (removing it repeats the notices it records); nothing was sent",
                                        at: nil), summary: "notify failed: nothing was sent")
        }
        console.reportWarnings(NotifyText.warnings(planned.plan, webhook: webhookURL != nil), sources: [:], command: "notify")
        if dryRun {
            console.write(NotifyText.dryRun(planned.plan, run: run))
            return
        }
        let report: NoticeRun.Report
        do {
            report = try await run.send(planned.plan, ledger: planned.ledger, storage: storage)
        } catch {
            throw CommandFailure(.error(.noticeLedgerWrite, "the notices were sent but cannot be recorded in \(ledgerPath): \(error)",
                                        hint: "the next run sends them again unless the ledger can be written", at: nil),
                                 summary: "notify failed")
        }
        console.write(NotifyText.report(report, plan: planned.plan, due: run.due.count, within: within.text, ledgerPath: ledgerPath))
        let failures = report.failures
        guard failures.isEmpty else {
            throw CommandFailure(failures.map { outcome in
                Diagnostic.error(.noticeSendFailed, "\(NotifyText.name(outcome.destination)) failed: \(outcome.failure!)",
                       hint: "nothing about it was recorded: the next run tries again", at: nil)
            }, summary: "notify failed: \(failures.count) of \(report.outcomes.count) messages not sent")
        }
    }
}

extension MailAddress: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}
