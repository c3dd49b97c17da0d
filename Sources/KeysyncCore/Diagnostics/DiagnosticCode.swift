/// Every stable code a `Diagnostic` carries, in one place. Tools, docs and tests refer to these
/// strings, so a code is never renamed or reused for another problem. docs/manifest.md
/// ("Validation codes") documents the manifest's codes and docs/diagnostics.md every other; a
/// test keeps both in step with this list.
public enum DiagnosticCode: String, CaseIterable, Sendable {
    // MARK: Manifest validation (docs/manifest.md, "Validation codes")
    /// A path given does not exist.
    case pathNotFound = "path-not-found"
    /// A file or folder could not be read.
    case unreadableFile = "unreadable-file"
    /// A folder holds no `*.yaml`/`*.yml` file (or no source was given).
    case noManifestFiles = "no-manifest-files"
    /// A file is over 64 MiB; it is not read.
    case fileTooLarge = "file-too-large"
    /// The file is not UTF-8 (points at the first bad byte).
    case notUTF8 = "not-utf8"
    /// The file has no content (only comments or whitespace).
    case emptyFile = "empty-file"
    /// libyaml could not parse the file; the location is the parser's.
    case yamlSyntax = "yaml-syntax"
    /// More than one YAML document (`---`) in a file.
    case multipleDocuments = "multiple-documents"
    /// An anchor or alias; reported once per file with a count.
    case aliasNotAllowed = "alias-not-allowed"
    /// An explicit YAML tag such as `!!str`.
    case tagNotAllowed = "tag-not-allowed"
    /// Nesting deeper than 64 levels; the rest of the file is not read.
    case tooDeep = "too-deep"
    /// The same field, team or plan twice in one mapping (YAML would keep only one).
    case duplicateKey = "duplicate-key"
    /// A field the format does not have, with "did you mean" for near misses.
    case unknownField = "unknown-field"
    /// A required field is absent: `version`, `prefix`, a team's `plan`, a key's `name`.
    case missingField = "missing-field"
    /// A value of the wrong type: quoted number, `yes` for a boolean, a list where text belongs...
    case wrongType = "wrong-type"
    /// `version` is not 1.
    case unsupportedVersion = "unsupported-version"
    /// `rate_limit` is outside 1–10000.
    case rateLimitRange = "rate-limit-range"
    /// `rotate` or `max_keys` is negative.
    case outOfRange = "out-of-range"
    /// `expires` is not a real date or RFC 3339 timestamp.
    case invalidDate = "invalid-date"
    /// `expires_in`/`rotate_grace` is not a positive number with a unit s, m, h, d or w, within ~100
    /// years.
    case invalidPeriod = "invalid-period"
    /// `expires` and `expires_in` both set on one key (or in `defaults`).
    case expiresConflict = "expires-conflict"
    /// A team, key, plan or `renamed_from` name breaks the naming rule.
    case invalidName = "invalid-name"
    /// `prefix` is not 1–16 ASCII letters and digits.
    case invalidPrefix = "invalid-prefix"
    /// `owner` or a contact is not an email address.
    case invalidEmail = "invalid-email"
    /// A recipient is not a valid age X25519 recipient (Bech32, `age1`, checksum).
    case invalidRecipient = "invalid-recipient"
    /// A recipient decodes, but holds a low-order X25519 point (such as all zeros,
    /// `age1qqqq…5cu47z`): every shared secret with it is zero, so anything sealed to it could be
    /// opened by anyone. `age -r` refuses these too.
    case recipientLowOrder = "recipient-low-order"
    /// A recipient decodes, but its 32 bytes are not a canonical X25519 public key (2^255 − 19 or
    /// more, or the top bit set). No key generator makes one.
    case recipientNotCanonical = "recipient-not-canonical"
    /// Global settings appear in more than one file (names the first).
    case duplicateGlobal = "duplicate-global"
    /// A team is defined in two files (names both places).
    case duplicateTeam = "duplicate-team"
    /// Two keys of a team share a name, or a `renamed_from` names another key of the team.
    case duplicateKeyName = "duplicate-key-name"
    /// A key is `renamed_from` its own name.
    case invalidRename = "invalid-rename"
    /// A team's plan is not in the plan table.
    case unknownPlan = "unknown-plan"
    /// A team declares more keys than its plan allows ("team payments has 3 keys; plan starter allows
    /// 2").
    case planKeyLimit = "plan-key-limit"
    /// A team declares keys on a plan without API access.
    case planNoAPIAccess = "plan-no-api-access"
    /// A team has keys but no recipients.
    case missingRecipients = "missing-recipients"
    /// Warning: a key has no owner and its team has neither owner nor contacts.
    case noOwner = "no-owner"
    /// A `scopes` entry is not `resource:action`, `resource:*` or `*`, or `*` is listed with others.
    case invalidScope = "invalid-scope"
    /// A `scopes` entry is listed twice, or is already granted by a `resource:*` in the same list.
    case duplicateScope = "duplicate-scope"
    /// An `allowed_ips` entry is not an IPv4/IPv6 address or CIDR range keysync accepts (host bits
    /// set, prefix length out of bounds, a zone id, leading zeros, an IPv4-mapped IPv6 range).
    case invalidIPRange = "invalid-ip-range"
    /// An `allowed_ips` entry is listed twice, or lies inside another entry of the same list.
    case duplicateIPRange = "duplicate-ip-range"
    // MARK: Reading the state file
    /// The state file exists but cannot be read.
    case stateUnreadable = "state-unreadable"
    /// There is no state file where one is required.
    case stateMissing = "state-missing"
    /// The state file is not valid JSON or lacks a field (points at the place).
    case stateMalformed = "state-malformed"
    /// The state file's `version` is not one this keysync reads.
    case stateVersion = "state-version"
    /// Two live keys in the state share a team and name.
    case stateDuplicateLiveKey = "state-duplicate-live-key"
    /// Two keys in the state share an id.
    case stateDuplicateId = "state-duplicate-id"
    /// Two keys in the state share a hash.
    case stateDuplicateHash = "state-duplicate-hash"
    /// A key's hash is not `sha256:` and 64 lower-case hex digits.
    case stateInvalidHash = "state-invalid-hash"
    /// A key's preview is not the shape keysync writes.
    case stateInvalidPreview = "state-invalid-preview"
    /// The state file is not in the canonical bytes keysync writes (hand-edited).
    case stateNotCanonical = "state-not-canonical"
    /// A shard of a sharded state is missing or does not match what the index records.
    case stateShardMismatch = "state-shard-mismatch"
    /// The state given to `plan --previous-state` cannot be read.
    case statePreviousUnreadable = "state-previous-unreadable"
    /// `serve` refuses the state file (its signature, trust or floor).
    case stateRefused = "state-refused"
    // MARK: Signatures and trust
    /// A public key is configured but the state is unsigned.
    case stateSignatureMissing = "state-signature-missing"
    /// The state is signed by the trusted key but was changed since.
    case stateSignatureBad = "state-signature-bad"
    /// The state is signed by another key.
    case stateSignatureOtherKey = "state-signature-other-key"
    /// The state's signature block is not ed25519.
    case stateSignatureAlgorithm = "state-signature-algorithm"
    /// The state's signature block cannot be read.
    case stateSignatureMalformed = "state-signature-malformed"
    /// The configured signing key is not in keysync's format.
    case signingKeyMalformed = "signing-key-malformed"
    /// The configured state public key is not in keysync's format.
    case statePublicKeyMalformed = "state-public-key-malformed"
    /// Both `--signing-key-file` and `KEYSYNC_SIGNING_KEY` are set.
    case signingKeyAmbiguous = "signing-key-ambiguous"
    /// The signing key file cannot be read.
    case signingKeyUnreadable = "signing-key-unreadable"
    /// A state public key is trusted, but apply has no signing key to sign the new state.
    case signingKeyMissing = "signing-key-missing"
    /// The signing key does not match the trusted state public key.
    case signingKeyMismatch = "signing-key-mismatch"
    /// No state public key is configured and `--insecure-unsigned` is not given.
    case stateTrustMissing = "state-trust-missing"
    /// `--insecure-unsigned` is given while a state public key is configured.
    case stateTrustConflict = "state-trust-conflict"
    // MARK: The state against its history (audit log, sealed files, the previous state)
    /// The state is older than the audit log (or the verifier's floor) says it must be.
    case stateRolledBack = "state-rolled-back"
    /// The state does not continue the previous state (another lineage, a lower serial, a tombstone
    /// gone).
    case stateNotDescendant = "state-not-descendant"
    /// There is no state file, but an audit log or sealed files show there was one.
    case stateMissingWithHistory = "state-missing-with-history"
    /// The audit log has fewer lines than the signed state recorded.
    case auditLogTruncated = "audit-log-truncated"
    /// The audit log's line at the state's recorded head is not the one the state recorded.
    case auditLogMismatch = "audit-log-mismatch"
    /// The audit log cannot be read.
    case auditLogUnreadable = "audit-log-unreadable"
    /// The signed state records an audit log, but there is none.
    case auditLogMissing = "audit-log-missing"
    /// An audit line's `prev` is not the hash of the line before it.
    case auditChainBroken = "audit-chain-broken"
    /// An audit line is not a JSON object of the audit format.
    case auditLineMalformed = "audit-line-malformed"
    /// The audit log's last line has no line break (an append was cut short).
    case auditLineUnterminated = "audit-line-unterminated"
    /// A file or folder of the repository (state, log, sealed folder) cannot be read safely.
    case repositoryUnreadable = "repository-unreadable"
    // MARK: Planning and saved plans
    /// A key would be created already expired.
    case expiresInPast = "expires-in-past"
    /// Warning: a key's `rotate` is lower than its current generation; nothing changes.
    case rotateLowered = "rotate-lowered"
    /// A saved plan file cannot be read or is not a plan.
    case planUnreadable = "plan-unreadable"
    /// The state or manifest changed since the saved plan was made.
    case planStale = "plan-stale"
    /// The saved plan was edited after `plan --out` wrote it.
    case planTampered = "plan-tampered"
    /// The plan cannot be written to `--out`.
    case planWrite = "plan-write"
    /// The plan would revoke a key the state records as protected (`protect: true`).
    case keyProtected = "key-protected"
    /// The plan would remove a team the state records as protected (`protect: true`).
    case teamProtected = "team-protected"
    /// `apply` refuses a plan revoking more keys than `--max-revocations` (default 10); `plan`
    /// shows it as a warning note of the same name.
    case revocationLimit = "revocation-limit"
    // MARK: Applying
    /// The plan does not fit the state it is applied to.
    case applyPlanMismatch = "apply-plan-mismatch"
    /// A key could not be minted.
    case applyMint = "apply-mint"
    /// Applying the plan would break a state invariant; nothing was written.
    case applyInvalidState = "apply-invalid-state"
    /// A team's keys could not be sealed.
    case applySeal = "apply-seal"
    /// A write failed; what is on disk follows the write order.
    case applyWrite = "apply-write"
    /// A sealed file of this apply's serial already exists; it is never replaced.
    case applySealedFileExists = "apply-sealed-file-exists"
    /// Warning: a sealed file is left from an apply that did not complete; its keys were never valid.
    case applyNeverValid = "apply-never-valid"
    /// Another keysync holds the state's lock.
    case stateLocked = "state-locked"
    /// The lock file cannot be opened or locked.
    case stateLockUnavailable = "state-lock-unavailable"
    // MARK: API keys
    /// A key prefix is not 1–16 ASCII letters and digits.
    case keyInvalidPrefix = "key-invalid-prefix"
    /// A presented key is not in the key format.
    case keyBadFormat = "key-bad-format"
    /// A presented key has another prefix than the state's.
    case keyOtherPrefix = "key-other-prefix"
    /// A presented key's checksum does not match.
    case keyBadChecksum = "key-bad-checksum"
    // MARK: Sealed files (age)
    /// An age recipient or identity cannot be used, or an identity file holds none.
    case ageKey = "age-key"
    /// An armored age file is not the strict PEM form age writes.
    case ageArmor = "age-armor"
    /// An age file's header breaks the age v1 grammar (or names another version).
    case ageHeader = "age-header"
    /// An age file's header was changed (its MAC does not match).
    case ageHeaderMac = "age-header-mac"
    /// No identity given opens the age file.
    case ageNoMatch = "age-no-match"
    /// The age file needs what keysync does not implement (a passphrase).
    case ageUnsupported = "age-unsupported"
    /// An age file's payload is cut short, changed or followed by extra bytes.
    case agePayload = "age-payload"
    /// `unseal` was given no identity file.
    case unsealNoIdentity = "unseal-no-identity"
    /// `unseal` was asked to read both the sealed file and an identity file from standard input.
    case unsealStdinTwice = "unseal-stdin-twice"
    /// A file `unseal` was given cannot be read.
    case unsealUnreadable = "unseal-unreadable"
    /// An identity file given to `unseal` holds no usable age identity.
    case unsealIdentity = "unseal-identity"
    // MARK: Local files and secrets
    /// `keygen` would overwrite an existing key file.
    case keygenFileExists = "keygen-file-exists"
    /// `keygen` cannot write its key file.
    case keygenWrite = "keygen-write"
    /// Core dumps cannot be turned off, so a crash could write raw keys to disk.
    case coreDumpsOn = "core-dumps-on"
    // MARK: Serving
    /// The usage database or backend cannot be opened or read.
    case usageDbUnusable = "usage-db-unusable"
    // MARK: Notices (keysync notify)
    /// The notices ledger cannot be read or is not one; nothing is sent.
    case noticeLedgerUnreadable = "notice-ledger-unreadable"
    /// The notices ledger cannot be written after sending; the sent notices will be repeated.
    case noticeLedgerWrite = "notice-ledger-write"
    /// Another `keysync notify` on this machine holds the ledger; nothing is sent.
    case noticeLedgerLocked = "notice-ledger-locked"
    /// The webhook URL cannot be read or used (it is never printed).
    case noticeWebhookURL = "notice-webhook-url"
    /// A message could not be sent (sendmail failed, the webhook refused); retried next run.
    case noticeSendFailed = "notice-send-failed"
    /// An owner or contact is not a mail address, so no mail reaches them.
    case noticeNotMailable = "notice-not-mailable"
    /// A due key has neither owner nor contacts: nobody to mail.
    case noticeUnaddressed = "notice-unaddressed"

    /// Which part of keysync reports the code (and which page documents it).
    public enum Area: String, CaseIterable, Sendable {
        case manifest, state, signature, history, plan, apply, key, age, local, server, notices
    }

    public var area: Area {
        switch self {
        case .pathNotFound, .unreadableFile, .noManifestFiles, .fileTooLarge, .notUTF8,
             .emptyFile, .yamlSyntax, .multipleDocuments, .aliasNotAllowed, .tagNotAllowed,
             .tooDeep, .duplicateKey, .unknownField, .missingField, .wrongType,
             .unsupportedVersion, .rateLimitRange, .outOfRange, .invalidDate, .invalidPeriod,
             .expiresConflict, .invalidName, .invalidPrefix, .invalidEmail, .invalidRecipient,
             .recipientLowOrder, .recipientNotCanonical, .duplicateGlobal, .duplicateTeam,
             .duplicateKeyName, .invalidRename, .unknownPlan, .planKeyLimit, .planNoAPIAccess,
             .missingRecipients, .noOwner, .invalidScope, .duplicateScope, .invalidIPRange,
             .duplicateIPRange:
            .manifest
        case .stateUnreadable, .stateMissing, .stateMalformed, .stateVersion,
             .stateDuplicateLiveKey, .stateDuplicateId, .stateDuplicateHash, .stateInvalidHash,
             .stateInvalidPreview, .stateNotCanonical, .stateShardMismatch, .statePreviousUnreadable, .stateRefused:
            .state
        case .stateSignatureMissing, .stateSignatureBad, .stateSignatureOtherKey,
             .stateSignatureAlgorithm, .stateSignatureMalformed, .signingKeyMalformed,
             .statePublicKeyMalformed, .signingKeyAmbiguous, .signingKeyUnreadable,
             .signingKeyMissing, .signingKeyMismatch, .stateTrustMissing, .stateTrustConflict:
            .signature
        case .stateRolledBack, .stateNotDescendant, .stateMissingWithHistory,
             .auditLogTruncated, .auditLogMismatch, .auditLogUnreadable, .auditLogMissing,
             .auditChainBroken, .auditLineMalformed, .auditLineUnterminated,
             .repositoryUnreadable:
            .history
        case .expiresInPast, .rotateLowered, .planUnreadable, .planStale, .planTampered,
             .planWrite, .keyProtected, .teamProtected, .revocationLimit:
            .plan
        case .applyPlanMismatch, .applyMint, .applyInvalidState, .applySeal,
             .applyWrite, .applySealedFileExists, .applyNeverValid, .stateLocked,
             .stateLockUnavailable:
            .apply
        case .keyInvalidPrefix, .keyBadFormat, .keyOtherPrefix, .keyBadChecksum:
            .key
        case .ageKey, .ageArmor, .ageHeader, .ageHeaderMac, .ageNoMatch, .ageUnsupported,
             .agePayload, .unsealNoIdentity, .unsealStdinTwice, .unsealUnreadable, .unsealIdentity:
            .age
        case .keygenFileExists, .keygenWrite, .coreDumpsOn:
            .local
        case .usageDbUnusable:
            .server
        case .noticeLedgerUnreadable, .noticeLedgerWrite, .noticeLedgerLocked, .noticeWebhookURL, .noticeSendFailed,
             .noticeNotMailable, .noticeUnaddressed:
            .notices
        }
    }
}
