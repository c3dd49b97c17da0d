/// The textual header of an age v1 file, parsed strictly by the grammar of the spec:
/// version line, one or more stanzas, and `--- <MAC>`. Anything else is a header error that
/// names its line, before any key is tried.
struct AgeHeader: Sendable {
    var stanzas: [AgeStanza]
    /// The 32-byte header MAC from the `---` line.
    var mac: [UInt8]
    /// Number of leading bytes the MAC covers: everything up to and including `---`.
    var macCoveredCount: Int
    /// Offset of the first payload byte (after the MAC line's LF).
    var payloadOffset: Int

    private static let stanzaPrefix = Array("-> ".utf8)
    private static let macPrefix = Array("---".utf8)
    private static let versionPrefix = Array("age-encryption.org/".utf8)

    /// Parses the header at the start of `file`.
    static func parse(_ file: [UInt8]) throws(AgeError) -> AgeHeader {
        var reader = LineReader(bytes: file)

        guard let versionLine = reader.next() else {
            throw .malformedHeader(line: 1, file.isEmpty
                ? "the file is empty; an age file starts with \(Age.versionLine)"
                : "not an age file: no complete first line")
        }
        let version = file[versionLine]
        try rejectCarriageReturn(version, line: 1)
        guard version.starts(with: versionPrefix) else {
            throw .malformedHeader(line: 1, "not an age file: the first line must be \(Age.versionLine)")
        }
        guard version.elementsEqual(Age.versionLine.utf8) else {
            throw .unsupportedVersion(String(decoding: version.dropFirst(versionPrefix.count), as: UTF8.self))
        }

        var stanzas: [AgeStanza] = []
        while true {
            let lineNumber = reader.lineNumber + 1
            guard let range = reader.next() else {
                throw .malformedHeader(line: lineNumber, "the header ends without its '---' MAC line")
            }
            let line = file[range]
            try rejectCarriageReturn(line, line: lineNumber)
            if line.starts(with: stanzaPrefix) {
                let arguments = try parseArguments(line.dropFirst(stanzaPrefix.count), line: lineNumber)
                let body = try readBody(&reader, in: file, stanzaLine: lineNumber)
                stanzas.append(AgeStanza(arguments: arguments, body: body, line: lineNumber))
            } else if line.starts(with: macPrefix) {
                guard !stanzas.isEmpty else {
                    throw .malformedHeader(line: lineNumber, "the header has no recipient stanza")
                }
                let mac = try parseMAC(line, line: lineNumber)
                return AgeHeader(
                    stanzas: stanzas, mac: mac,
                    macCoveredCount: range.lowerBound + macPrefix.count,
                    payloadOffset: range.upperBound + 1)
            } else {
                throw .malformedHeader(line: lineNumber, "expected a stanza line ('-> ') or the MAC line ('--- ')")
            }
        }
    }

    /// Writes a header for `stanzas` and returns the bytes the MAC covers; the caller appends
    /// `" " + base64(mac) + "\n"`.
    static func writeUnauthenticated(_ stanzas: [AgeStanza], into output: inout [UInt8]) {
        output.append(contentsOf: Age.versionLine.utf8)
        output.append(UInt8(ascii: "\n"))
        for stanza in stanzas { stanza.write(into: &output) }
        output.append(contentsOf: macPrefix)
    }

    private static func rejectCarriageReturn(_ line: ArraySlice<UInt8>, line number: Int) throws(AgeError) {
        if line.contains(UInt8(ascii: "\r")) {
            throw .malformedHeader(line: number, "carriage return in the header; age headers end lines with LF only")
        }
    }

    private static func parseArguments(_ text: ArraySlice<UInt8>, line: Int) throws(AgeError) -> [String] {
        var arguments: [String] = []
        for piece in text.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false) {
            guard !piece.isEmpty else {
                throw .malformedHeader(line: line, "empty stanza argument (a doubled, leading or trailing space)")
            }
            guard piece.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                throw .malformedHeader(line: line, "stanza argument with a character outside printable ASCII")
            }
            arguments.append(String(decoding: piece, as: UTF8.self))
        }
        return arguments
    }

    private static func readBody(
        _ reader: inout LineReader, in file: [UInt8], stanzaLine: Int
    ) throws(AgeError) -> [UInt8] {
        var encoded: [UInt8] = []
        while true {
            let lineNumber = reader.lineNumber + 1
            guard let range = reader.next() else {
                throw .malformedHeader(line: lineNumber, "the header ends inside the body of the stanza on line \(stanzaLine)")
            }
            let line = file[range]
            guard line.count <= 64 else {
                throw .malformedHeader(line: lineNumber, "stanza body line longer than 64 columns")
            }
            guard line.allSatisfy(Base64.isAlphabet) else {
                if line.starts(with: stanzaPrefix) || line.starts(with: macPrefix) {
                    throw .malformedHeader(line: lineNumber,
                        "the stanza on line \(stanzaLine) has no final body line; a stanza ends with a line shorter than 64 columns, even an empty one")
                }
                throw .malformedHeader(line: lineNumber, "stanza body line with a character outside unpadded base64")
            }
            encoded.append(contentsOf: line)
            if line.count < 64 { break }
        }
        guard let body = Base64.decodeUnpadded(encoded) else {
            throw .malformedHeader(line: stanzaLine, "the stanza body is not canonical unpadded base64")
        }
        return body
    }

    private static func parseMAC(_ line: ArraySlice<UInt8>, line number: Int) throws(AgeError) -> [UInt8] {
        let rest = line.dropFirst(macPrefix.count)
        guard rest.first == UInt8(ascii: " ") else {
            throw .malformedHeader(line: number, "the MAC line must be '--- ' followed by the MAC")
        }
        let encoded = rest.dropFirst()
        guard encoded.count == 43, let mac = Base64.decodeUnpadded(encoded), mac.count == 32 else {
            throw .malformedHeader(line: number, "the header MAC is not 32 bytes of canonical unpadded base64")
        }
        return mac
    }
}

/// Splits bytes into LF-terminated lines without copying; a final unterminated line is not a
/// line (the header grammar ends every line with LF).
struct LineReader {
    let bytes: [UInt8]
    private(set) var offset = 0
    private(set) var lineNumber = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The next line's range, excluding its LF.
    mutating func next() -> Range<Int>? {
        guard let newline = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        defer { offset = newline + 1; lineNumber += 1 }
        return offset..<newline
    }
}
