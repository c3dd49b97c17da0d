/// age's ASCII armor: strict PEM (RFC 7468) with the label `AGE ENCRYPTED FILE`, padded base64 in
/// 64-column lines. Decoding rejects every non-canonical form except whitespace around the block
/// and CRLF line ends (used consistently), so an armored file has one spelling, as the spec asks.
public enum AgeArmor {
    public static let beginLine = "-----BEGIN AGE ENCRYPTED FILE-----"
    public static let endLine = "-----END AGE ENCRYPTED FILE-----"
    private static let columns = 64

    /// The armored form of `file`, LF line ends, with a final newline.
    public static func encode(_ file: [UInt8]) -> [UInt8] {
        var encoded: [UInt8] = []
        Base64.encode(file, padded: true, into: &encoded)
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count + encoded.count / columns + beginLine.utf8.count + endLine.utf8.count + 4)
        output.append(contentsOf: beginLine.utf8)
        output.append(UInt8(ascii: "\n"))
        var start = 0
        while start < encoded.count {
            let end = min(start + columns, encoded.count)
            output.append(contentsOf: encoded[start..<end])
            output.append(UInt8(ascii: "\n"))
            start = end
        }
        output.append(contentsOf: endLine.utf8)
        output.append(UInt8(ascii: "\n"))
        return output
    }

    /// Whether `file` should be read as armor: anything that is not a binary age file
    /// (`age-encryption.org/…`) and not empty.
    public static func looksArmored(_ file: [UInt8]) -> Bool {
        !file.isEmpty && !file.starts(with: "age-encryption.org/".utf8)
    }

    /// The binary age file inside the armor.
    public static func decode(_ text: [UInt8]) throws(AgeError) -> [UInt8] {
        var index = text.startIndex
        while index < text.endIndex, isWhitespace(text[index]) { index += 1 }
        guard text[index...].starts(with: beginLine.utf8) else {
            throw .malformedArmor("not an age file: it starts with neither \(Age.versionLine) nor \(beginLine)")
        }
        index += beginLine.utf8.count
        let lineEnd: [UInt8]
        if text[index...].starts(with: [0x0D, 0x0A]) {
            lineEnd = [0x0D, 0x0A]
        } else if text[index...].starts(with: [0x0A]) {
            lineEnd = [0x0A]
        } else {
            throw .malformedArmor("the BEGIN line must be exactly \(beginLine)")
        }
        index += lineEnd.count

        var encoded: [UInt8] = []
        var sawShortLine = false
        var lineNumber = 1
        while true {
            lineNumber += 1
            guard let newline = text[index...].firstIndex(of: 0x0A) ?? (index < text.endIndex ? text.endIndex : nil) else {
                throw .malformedArmor("the END line is missing; the armor is truncated")
            }
            var line = text[index..<newline]
            let terminated = newline < text.endIndex
            if terminated {
                if lineEnd.count == 2 {
                    guard line.last == 0x0D else { throw .malformedArmor("line \(lineNumber) ends with LF where the armor uses CRLF") }
                    line = line.dropLast()
                } else if line.last == 0x0D {
                    throw .malformedArmor("line \(lineNumber) ends with CRLF where the armor uses LF")
                }
            }
            index = terminated ? newline + 1 : newline
            if line.elementsEqual(endLine.utf8) { break }
            guard terminated else { throw .malformedArmor("the END line is missing; the armor is truncated") }
            guard !line.isEmpty else { throw .malformedArmor("line \(lineNumber) is empty; armor lines hold base64 only") }
            guard !sawShortLine else {
                throw .malformedArmor("line \(lineNumber) follows a short line; only the last base64 line may be shorter than \(columns) columns")
            }
            guard line.count <= columns else { throw .malformedArmor("line \(lineNumber) is longer than \(columns) columns") }
            guard line.allSatisfy({ Base64.isAlphabet($0) || $0 == UInt8(ascii: "=") }) else {
                throw .malformedArmor("line \(lineNumber) has a character outside base64 (whitespace, headers and checksums are not allowed)")
            }
            if line.count < columns { sawShortLine = true }
            encoded.append(contentsOf: line)
        }
        guard text[index...].allSatisfy(isWhitespace) else {
            throw .malformedArmor("data follows the END line")
        }
        guard let file = Base64.decodePadded(encoded) else {
            throw .malformedArmor("the base64 is not canonical padded base64")
        }
        return file
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
