/// An error that has a place in keysync's one diagnostic type. Every library error conforms, so
/// the command line turns any of them into a `Diagnostic` the same way and prints it once.
public protocol DiagnosticConvertible: Error {
    /// The registered code the error reports.
    var diagnosticCode: DiagnosticCode { get }

    /// The diagnostic, pointing into `file` (the file the error is about, when the caller knows
    /// it and the error does not carry it itself).
    func diagnostic(file: String?) -> Diagnostic
}

extension DiagnosticConvertible {
    /// The stable code as text, as messages and tests spell it.
    public var code: String { diagnosticCode.rawValue }

    /// The diagnostic when no file is known.
    public var diagnostic: Diagnostic { diagnostic(file: nil) }
}
