import ArgumentParser
import Foundation
import Manifest
import Reconciler

/// Where `apply` finds the state signing key: `--signing-key-file FILE` or the key text in
/// `KEYSYNC_SIGNING_KEY` — never an argument, which would show in `ps` and shell history.
struct SigningKeyOptions: ParsableArguments {
    static let environmentVariable = "KEYSYNC_SIGNING_KEY"

    @Option(name: .customLong("signing-key-file"),
            help: ArgumentHelp("Sign the state with this key file (from `keysync keygen --signing`); or set $KEYSYNC_SIGNING_KEY to its text.", valueName: "FILE"))
    var signingKeyFile: String?

    /// The configured signing key, or `nil` when none is configured. Throws a `Diagnostic`
    /// (never quoting the key text) when the file cannot be read, both sources are set, or the
    /// text is not a signing key.
    func signingKey(environment: [String: String]) throws(Diagnostic) -> StateSigningKey? {
        let fromEnvironment = environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        let text: String
        switch (signingKeyFile, fromEnvironment) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw .error(.signingKeyAmbiguous, "both --signing-key-file and \(Self.environmentVariable) are set",
                         hint: "give the signing key one way only", at: nil)
        case (let path?, nil):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .error(.signingKeyUnreadable, "cannot read the signing key file \(path)",
                             hint: "check the path and its permissions", at: nil)
            }
            text = String(decoding: data, as: UTF8.self)
        case (nil, let value?):
            text = value
        }
        do {
            return try StateSigningKey(parsing: text)
        } catch {
            throw error.diagnostic(file: signingKeyFile)
        }
    }
}
