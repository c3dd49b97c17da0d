import AgeFormat
import Foundation

/// Reads one file's YAML events straight into a `FileDraft`: no generic node tree, each scalar
/// interpreted by the type its field expects, every problem collected as a `Diagnostic`.
///
/// Hostile input stops early: nesting deeper than `maxDepth` ends the file, and anchors and
/// aliases are refused (never expanded), so work stays linear in the file's size.
///
/// This file holds the stream, the root mapping and the event pump; the extensions beside it
/// read settings (`+Settings`), teams and keys (`+Teams`), mapping keys by field enum
/// (`+Mappings`), scalars by type (`+Scalars`) and word the diagnostics (`+Reporting`).
struct ManifestFileDecoder {
    static let maxDepth = 64

    private let reader: YAMLEventReader
    let path: String
    var diagnostics: [Diagnostic] = []
    private var depth = 0
    private var aliasCount = 0
    private var aliasDiagnostic: Int?
    /// How many keys the previous team had: the next team's first guess.
    var lastKeyCount = 0
    /// Recipient text → parsed recipient or problem, so shared recipients are parsed once.
    var recipientChecks: [String: Result<AgeRecipient, RecipientProblem>] = [:]

    /// Called with the bytes of the file read so far after each team: a 25 MB manifest takes
    /// a second or more, and the command line shows how far it got.
    private var progress: (Int) -> Void = { _ in }

    /// Decodes `source`, returning its draft and every problem found in it. `progress` hears
    /// how many of its bytes were read after each team.
    static func decode(_ source: ManifestSource, progress: @escaping (Int) -> Void = { _ in }) -> (FileDraft, [Diagnostic]) {
        YAMLEventReader.withReader(source.bytes) { reader in
            var decoder = ManifestFileDecoder(reader: reader, path: source.path)
            decoder.progress = progress
            var draft = FileDraft(path: source.path)
            decoder.decodeStream(into: &draft)
            return (draft, decoder.diagnostics)
        }
    }

    /// Reports how far the reader got (after each team).
    func reportProgress() {
        progress(reader.offset)
    }

    private init(reader: YAMLEventReader, path: String) {
        self.reader = reader
        self.path = path
    }

    /// Why decoding stopped before the stream's end; already reported as a diagnostic.
    struct Stop: Error {}

    // MARK: - Stream and documents

    private mutating func decodeStream(into draft: inout FileDraft) {
        do throws(Stop) {
            _ = try next()  // stream start
            var event = try next()
            if event.kind == .streamEnd {
                draft.incomplete = true
                report(.emptyFile, "the file has no content", hint: "add the manifest's settings or teams, or delete the file",
                       at: location(1, 1))
                return
            }
            var documents = 0
            while event.kind == .documentStart {
                documents += 1
                let node = try next()
                if documents == 1 {
                    try decodeRoot(node, into: &draft)
                } else {
                    report(.multipleDocuments, "the file holds more than one YAML document",
                           hint: "remove the `---` separator; split teams into separate files instead",
                           at: location(node))
                    try skip(node)
                }
                _ = try next()  // document end
                event = try next()
            }
        } catch {
            draft.incomplete = true
        }
        if aliasCount > 1, let index = aliasDiagnostic {
            diagnostics[index].message += " (and \(aliasCount - 1) more in this file)"
        }
    }

    private mutating func decodeRoot(_ start: YAMLEvent, into draft: inout FileDraft) throws(Stop) {
        if start.kind == .scalar, start.isPlain, ScalarSyntax.isNull(start.bytes) {
            draft.incomplete = true
            report(.emptyFile, "the file has no content", hint: "add the manifest's settings or teams, or delete the file",
                   at: location(start))
            return
        }
        guard start.kind == .mappingStart else {
            draft.incomplete = true  // not a manifest at all: missing fields would be noise
            wrongType("the manifest", expected: "a mapping of settings and teams", got: start)
            try skip(start)
            return
        }
        var seen = FieldSet<RootField>()
        while let (field, keyEvent) = try nextField(seen: &seen, context: "the manifest") {
            let value = try next()
            let keyLocation = location(keyEvent)
            if field != .teams, draft.firstGlobal == nil { draft.firstGlobal = keyLocation }
            switch field {
            case .version:
                draft.versionSeen = true
                draft.version = try readInteger(value, field: "version")
                if let v = draft.version, !ManifestFields.supportedVersions.contains(v.value) {
                    report(.unsupportedVersion, "manifest version \(v.value) is not supported",
                           hint: "this keysync reads version 1; write `version: 1`", at: v.location)
                    draft.version = nil
                }
            case .prefix:
                draft.prefixSeen = true
                if let p = try readString(value, field: "prefix") {
                    if ScalarSyntax.isValidPrefix(p.value) {
                        draft.prefix = p
                    } else {
                        report(.invalidPrefix, "prefix \"\(p.value)\" is not valid",
                               hint: "use 1 to 16 ASCII letters and digits, e.g. `thig` for keys like thig_...",
                               at: p.location)
                    }
                }
            case .plans: draft.plans = try decodePlans(value)
            case .defaults: draft.defaults = try decodeDefaults(value)
            case .teams: try decodeTeams(value, into: &draft)
            }
        }
    }

    // MARK: - Events

    /// The next event, with the checks every node gets: anchors, aliases, tags and depth.
    mutating func next() throws(Stop) -> YAMLEvent {
        let event: YAMLEvent
        do {
            event = try reader.next()
        } catch {
            if error.kind == .encoding {
                report(.notUTF8, "the file is not valid UTF-8 (\(error.message))",
                       hint: "save the file as UTF-8", at: location(error.line, error.column))
            } else {
                report(.yamlSyntax, error.message, hint: "fix the YAML syntax at this place",
                       at: location(error.line, error.column))
            }
            throw Stop()
        }
        switch event.kind {
        case .mappingStart, .sequenceStart:
            depth += 1
            if depth > Self.maxDepth {
                report(.tooDeep, "the document nests deeper than \(Self.maxDepth) levels",
                       hint: "a manifest needs at most 6 levels; this file is not a keysync manifest", at: location(event))
                throw Stop()
            }
        case .mappingEnd, .sequenceEnd:
            depth -= 1
        default:
            break
        }
        if event.hasAnchor || event.kind == .alias {
            aliasCount += 1
            if aliasDiagnostic == nil {
                aliasDiagnostic = diagnostics.count
                report(.aliasNotAllowed, "anchors and aliases (&name, *name) are not allowed",
                       hint: "write each value out in full; reviewers must see every key's settings where it is declared",
                       at: location(event))
            }
        }
        if event.hasTag {
            report(.tagNotAllowed, "tags (!tag) are not allowed in a manifest",
                   hint: "remove the tag; each field's type is fixed by the manifest format", at: location(event))
        }
        return event
    }

    /// Consumes the rest of the node that `start` began.
    mutating func skip(_ start: YAMLEvent) throws(Stop) {
        guard start.kind == .mappingStart || start.kind == .sequenceStart else { return }
        var level = 1
        while level > 0 {
            switch try next().kind {
            case .mappingStart, .sequenceStart: level += 1
            case .mappingEnd, .sequenceEnd: level -= 1
            case .streamEnd: return
            default: break
            }
        }
    }
}
