/// The oldest state a long-running verifier may still accept: the lineage and serial of the
/// state it already holds. A server that reloads the state file when it changes must never step
/// back to an older copy (every key revoked since would work again) or over to another history.
public struct StateFloor: Sendable, Equatable, CustomStringConvertible {
    public var lineage: String?
    public var serial: Int

    public init(lineage: String?, serial: Int) {
        self.lineage = lineage
        self.serial = serial
    }

    /// The floor a verifier of `state` holds: nothing older than it.
    public init(of state: StateFile) {
        self.init(lineage: state.lineage, serial: state.serial)
    }

    /// No floor: any state (before the first one is loaded).
    public static let none = StateFloor(lineage: nil, serial: 0)

    /// Throws unless `state` is of this lineage (any, while the floor has none) and at or
    /// above this serial.
    public func check(_ state: StateFile) throws(StateFloorError) {
        if let lineage, state.lineage != lineage {
            throw .otherLineage(floor: self, found: state.lineage)
        }
        if state.serial < serial { throw .older(floor: self, found: state.serial) }
    }

    public var description: String { "lineage \(lineage ?? "(none)") serial \(serial)" }
}

/// Why a verifier refuses a new state.
public enum StateFloorError: Error, Equatable, Sendable, CustomStringConvertible, DiagnosticConvertible {
    case otherLineage(floor: StateFloor, found: String?)
    case older(floor: StateFloor, found: Int)

    public var diagnosticCode: DiagnosticCode {
        switch self {
        case .otherLineage: .stateNotDescendant
        case .older: .stateRolledBack
        }
    }

    public var description: String {
        switch self {
        case .otherLineage(let floor, let found):
            "the state has lineage \(found ?? "(none)"), but the verifier holds \(floor): it is another history"
        case .older(let floor, let found):
            "the state is at serial \(found), below the serial \(floor.serial) the verifier already holds: an older copy"
        }
    }
}

extension KeyVerifier {
    /// A verifier of `state`, refusing it when it is below `floor` (the previous state's
    /// `StateFloor(of:)`), so reloading never steps back.
    public init(state: StateFile, floor: StateFloor) throws(StateFloorError) {
        try floor.check(state)
        self.init(state: state)
    }
}

extension StateFloorError {
    /// Points at the start of the refused state file.
    public func diagnostic(file: String?) -> Diagnostic {
        .error(diagnosticCode, description, at: file.map { SourceLocation(file: $0, line: 1, column: 1) })
    }
}
