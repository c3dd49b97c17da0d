import CYAML

/// One libyaml event as Swift sees it: the only shape of YAML the rest of `Manifest` knows.
///
/// `bytes` borrows libyaml's buffer for a scalar's value and is valid only until the reader's
/// next `next()` call: copy what you keep. Lines and columns are 1-based, as editors count.
struct YAMLEvent {
    enum Kind: Equatable {
        case streamStart, streamEnd, documentStart, documentEnd
        case mappingStart, mappingEnd, sequenceStart, sequenceEnd
        case scalar, alias
    }

    var kind: Kind
    var line: Int
    var column: Int
    /// A plain (unquoted, non-block) scalar: only these may be integers, booleans or null.
    var isPlain: Bool
    /// An `&anchor` on this node.
    var hasAnchor: Bool
    /// An explicit `!tag` on this node.
    var hasTag: Bool
    /// The scalar's value (empty for other kinds); borrowed, see above.
    var bytes: UnsafeBufferPointer<UInt8>
}

/// Why libyaml stopped: a syntax error, or input that is not UTF-8.
struct YAMLReadError: Error {
    enum Kind { case syntax, encoding }
    var kind: Kind
    var message: String
    var line: Int
    var column: Int
}

/// Pulls libyaml's event stream over bytes the caller keeps alive. All C calls of `Manifest`
/// live in this file so the rest of the module never touches libyaml's memory rules.
///
/// Use through `withReader`, which scopes the input buffer's lifetime to the reader's.
final class YAMLEventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let event: UnsafeMutablePointer<yaml_event_t>
    private var holdsEvent = false
    private let input: UnsafeBufferPointer<UInt8>
    private var finished = false

    private init(input whole: UnsafeBufferPointer<UInt8>) {
        // A UTF-8 byte-order mark is not content, and editors do not count it as a column.
        var input = whole
        if whole.count >= 3, whole[0] == 0xEF, whole[1] == 0xBB, whole[2] == 0xBF {
            input = UnsafeBufferPointer(rebasing: whole[3...])
        }
        self.input = input
        parser = .allocate(capacity: 1)
        event = .allocate(capacity: 1)
        yaml_parser_initialize(parser)
        // Only UTF-8: a UTF-16 byte-order mark is then reported as invalid input, not decoded.
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        if let base = input.baseAddress {
            yaml_parser_set_input_string(parser, base, input.count)
        } else {
            yaml_parser_set_input_string(parser, "", 0)
        }
    }

    deinit {
        if holdsEvent { yaml_event_delete(event) }
        yaml_parser_delete(parser)
        parser.deallocate()
        event.deallocate()
    }

    /// Runs `body` with a reader over `bytes`; the reader must not escape `body`.
    static func withReader<R>(_ bytes: [UInt8], _ body: (YAMLEventReader) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { buffer in
            let reader = YAMLEventReader(input: buffer)
            return try body(reader)
        }
    }

    /// How far into the input libyaml has read, in bytes: for progress, not for locations.
    var offset: Int { Int(parser.pointee.mark.index) }

    /// The next event. After an error or the stream's end, keeps returning `streamEnd`.
    func next() throws(YAMLReadError) -> YAMLEvent {
        if holdsEvent {
            yaml_event_delete(event)
            holdsEvent = false
        }
        if finished {
            return YAMLEvent(kind: .streamEnd, line: 1, column: 1, isPlain: false, hasAnchor: false,
                             hasTag: false, bytes: UnsafeBufferPointer(start: nil, count: 0))
        }
        guard yaml_parser_parse(parser, event) == 1 else {
            finished = true
            throw currentError()
        }
        holdsEvent = true
        let e = event.pointee
        let line = Int(e.start_mark.line) + 1
        let column = Int(e.start_mark.column) + 1
        var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        var isPlain = false, hasAnchor = false, hasTag = false
        let kind: YAMLEvent.Kind
        switch e.type {
        case YAML_STREAM_START_EVENT: kind = .streamStart
        case YAML_STREAM_END_EVENT:
            kind = .streamEnd
            finished = true
        case YAML_DOCUMENT_START_EVENT: kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: kind = .documentEnd
        case YAML_MAPPING_START_EVENT:
            kind = .mappingStart
            hasAnchor = e.data.mapping_start.anchor != nil
            hasTag = e.data.mapping_start.tag != nil && e.data.mapping_start.implicit == 0
        case YAML_MAPPING_END_EVENT: kind = .mappingEnd
        case YAML_SEQUENCE_START_EVENT:
            kind = .sequenceStart
            hasAnchor = e.data.sequence_start.anchor != nil
            hasTag = e.data.sequence_start.tag != nil && e.data.sequence_start.implicit == 0
        case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
        case YAML_SCALAR_EVENT:
            kind = .scalar
            let s = e.data.scalar
            bytes = UnsafeBufferPointer(start: s.value, count: s.length)
            isPlain = s.style == YAML_PLAIN_SCALAR_STYLE
            hasAnchor = s.anchor != nil
            hasTag = s.tag != nil
        case YAML_ALIAS_EVENT: kind = .alias
        default: kind = .streamEnd
        }
        return YAMLEvent(kind: kind, line: line, column: column, isPlain: isPlain,
                         hasAnchor: hasAnchor, hasTag: hasTag, bytes: bytes)
    }

    private func currentError() -> YAMLReadError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        if p.error == YAML_READER_ERROR {
            var offset = min(p.problem_offset, input.count)
            // A bad continuation byte is reported where it is; point at its sequence's start.
            if problem.contains("trailing") {
                var i = offset
                while i > 0 && offset - i < 4 {
                    i -= 1
                    if input[i] & 0xC0 == 0xC0 { offset = i; break }
                }
            }
            let (line, column) = lineAndColumn(ofOffset: offset)
            return YAMLReadError(kind: .encoding, message: problem, line: line, column: column)
        }
        var message = problem
        if let context = p.context {
            message += " " + String(cString: context)
        }
        return YAMLReadError(
            kind: .syntax, message: message,
            line: Int(p.problem_mark.line) + 1, column: Int(p.problem_mark.column) + 1)
    }

    /// libyaml reports encoding problems as a byte offset; count lines and characters up to it.
    private func lineAndColumn(ofOffset offset: Int) -> (Int, Int) {
        var line = 1, column = 1
        var i = 0
        let end = min(offset, input.count)
        while i < end {
            let byte = input[i]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return (line, column)
    }
}
