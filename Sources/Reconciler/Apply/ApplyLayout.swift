/// Where one apply writes: the state, the folder of sealed files, the audit log.
public struct ApplyLayout: Sendable, Equatable {
    public var statePath: String
    public var sealedDirectory: String
    /// The audit log's first segment; the others sit beside it (`AuditLogSegments`).
    public var auditLogPath: String
    /// The most bytes apply puts in one audit log segment (small only in tests).
    public var auditSegmentLimit: Int

    /// Unset paths default to places beside the state: `sealed/` and `keysync.audit.jsonl`.
    public init(statePath: String, sealedDirectory: String? = nil, auditLogPath: String? = nil,
                auditSegmentLimit: Int = AuditLogSegments.maximumBytes) {
        self.statePath = statePath
        self.auditSegmentLimit = auditSegmentLimit
        let folder = Self.folder(of: statePath)
        self.sealedDirectory = sealedDirectory ?? Self.join(folder, "sealed")
        self.auditLogPath = auditLogPath ?? Self.join(folder, AuditLog.defaultFileName)
    }

    /// The path of a sealed file in `sealedDirectory`.
    public func sealedPath(_ name: String) -> String { Self.join(sealedDirectory, name) }

    /// The folder holding `path` (`nil` for a bare file name: the working folder).
    static func folder(of path: String) -> String? {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return nil }
        let folder = trimmed[..<slash]
        return folder.isEmpty ? "/" : String(folder)
    }

    static func join(_ folder: String?, _ name: String) -> String {
        guard let folder else { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
