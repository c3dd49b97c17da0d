/// Something `AuditLog.verify` found wrong with one line of an audit log.
public struct AuditProblem: Equatable, Sendable, CustomStringConvertible, DiagnosticConvertible {
    public enum Kind: Equatable, Sendable {
        /// `prev` is not the hash of the line before. `follows` is the line whose hash it does
        /// hold when that line is still in the file, or 0 when it holds `AuditLog.genesis`
        /// (the lines were reordered).
        case brokenLink(follows: Int?)
        /// Not valid JSON, or not an audit event; the reason names the field when it can.
        case malformed(String)
        /// The file does not end with a line break: a cut-off write or a hand edit.
        case unterminated
    }

    /// 1-based line number in the file as it is now.
    public var line: Int
    public var kind: Kind

    public init(line: Int, kind: Kind) {
        self.line = line
        self.kind = kind
    }

    /// The registered code; `code` is its text.
    public var diagnosticCode: DiagnosticCode {
        switch kind {
        case .brokenLink: .auditChainBroken
        case .malformed: .auditLineMalformed
        case .unterminated: .auditLineUnterminated
        }
    }

    public var description: String {
        switch kind {
        case .brokenLink(0?):
            return "line \(line) was written as the first line, not after line \(line - 1): lines were reordered"
        case .brokenLink(let follows?) where line == 1:
            return "line 1 was written after line \(follows), not as the first line: lines were reordered"
        case .brokenLink(let follows?):
            return "line \(line) was written after line \(follows), not after line \(line - 1): lines were reordered"
        case .brokenLink(nil) where line == 1:
            return "line 1 is not the first event ever written: earlier lines were removed, or line 1 was edited"
        case .brokenLink(nil):
            return "line \(line) does not follow line \(line - 1): line \(line - 1) was edited, or lines between them were removed"
        case .malformed(let reason):
            return "line \(line) is not an audit event: \(reason)"
        case .unterminated:
            return "line \(line) does not end with a line break: the last write was cut off or the file was edited"
        }
    }
}

extension AuditProblem {
    /// Points at the problem's line of the audit log `file`.
    public func diagnostic(file: String?) -> Diagnostic {
        .error(diagnosticCode, description, at: file.map { SourceLocation(file: $0, line: line, column: 1) })
    }
}
