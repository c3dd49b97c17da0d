import AgeFormat

// The age format knows nothing of keysync's diagnostics (it links swift-crypto alone); its
// errors meet the one `Diagnostic` here, one code per class of failure.
extension AgeError: DiagnosticConvertible {
    public var diagnosticCode: DiagnosticCode {
        switch category {
        case .key: .ageKey
        case .armor: .ageArmor
        case .header: .ageHeader
        case .headerMAC: .ageHeaderMac
        case .noMatch: .ageNoMatch
        case .unsupported: .ageUnsupported
        case .payload: .agePayload
        }
    }

    /// Points at the age file `file` (the header line, when the error names one).
    public func diagnostic(file: String?) -> Diagnostic {
        let line: Int
        switch self {
        case .malformedHeader(let l, _), .lowOrderShare(let l): line = l
        case .invalidIdentity(_, let l?): line = l
        default: line = 1
        }
        return .error(diagnosticCode, description, at: file.map { SourceLocation(file: $0, line: line, column: 1) })
    }
}
