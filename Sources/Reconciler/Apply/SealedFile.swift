/// One team's delivery from one apply: the age ciphertext of a `SealedKeyDocument`, and what
/// it is for. Holds only ciphertext, so it may be printed, logged and kept in git.
public struct SealedFile: Sendable, Equatable {
    /// `<serial, 6 digits>-<team>.age`: sorts by apply and says which team opens it.
    public var name: String
    public var team: String
    /// The ids of the keys whose raw values it holds, sorted.
    public var keyIDs: [KeyID]
    /// The age v1 file (binary, or armored with `--armor`).
    public var ciphertext: [UInt8]

    public init(name: String, team: String, keyIDs: [KeyID], ciphertext: [UInt8]) {
        self.name = name
        self.team = team
        self.keyIDs = keyIDs
        self.ciphertext = ciphertext
    }

    /// The file name for `team`'s delivery from the apply that produces state `serial`.
    public static func name(serial: Int, team: String) -> String {
        let digits = String(serial)
        let padded = String(repeating: "0", count: max(0, 6 - digits.count)) + digits
        return "\(padded)-\(team).age"
    }

    /// The serial and team a sealed file name stands for, or `nil` for any other name
    /// (temporary files, notes a team left in the folder).
    public static func parseName(_ name: String) -> (serial: Int, team: String)? {
        guard name.hasSuffix(".age"), let dash = name.firstIndex(of: "-") else { return nil }
        let digits = name[..<dash]
        let team = name[name.index(after: dash)..<name.index(name.endIndex, offsetBy: -4)]
        guard digits.count >= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), !team.isEmpty,
              let serial = Int(digits)
        else { return nil }
        return (serial, String(team))
    }
}
