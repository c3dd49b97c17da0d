import Foundation

/// Finding places in a state file's text, for error positions.
enum StateFileText {
    static func error(for error: Error, data: Data, text: String) -> StateFileError {
        guard let decoding = error as? DecodingError else {
            return StateFileError(.malformed(String(describing: error)))
        }
        func path(_ codingPath: [CodingKey]) -> String {
            var out = ""
            for key in codingPath {
                if let index = key.intValue { out += "[\(index)]" }
                else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            let at = path(context.codingPath)
            return StateFileError(.malformed("\(at.isEmpty ? "the top level" : at) has no field \"\(key.stringValue)\""))
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return StateFileError(.malformed("\(path(context.codingPath)): \(lowercasedFirst(context.debugDescription))"))
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return StateFileError(.malformed("\(path(context.codingPath)): \(lowercasedFirst(context.debugDescription))"))
        case .dataCorrupted:
            // JSONDecoder does not say where; JSONSerialization does (as a byte offset).
            let (line, column) = syntaxErrorPosition(data: data)
            return StateFileError(.malformed("it is not valid JSON"), line: line, column: column)
        @unknown default:
            return StateFileError(.malformed(String(describing: error)))
        }
    }

    static func syntaxErrorPosition(data: Data) -> (Int?, Int?) {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return (nil, nil)
        } catch {
            let detail = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? ""
            guard let range = detail.range(of: "character ") else { return (nil, nil) }
            let digits = detail[range.upperBound...].prefix { $0.isNumber }
            guard let offset = Int(digits) else { return (nil, nil) }
            return position(ofByteOffset: offset, in: data)
        }
    }

    static func position(ofByteOffset offset: Int, in data: Data) -> (Int, Int) {
        var line = 1, column = 1
        for (i, byte) in data.enumerated() {
            if i >= offset { break }
            if byte == 0x0A { line += 1; column = 1 }
            else if byte & 0xC0 != 0x80 { column += 1 }  // count characters, not UTF-8 continuation bytes
        }
        return (line, column)
    }

    /// The 1-based line of the `occurrence`-th record whose `"id"` is `id`.
    static func line(ofID id: String, occurrence: Int, in text: String) -> Int? {
        var seen = 0
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains("\"id\"") && line.contains("\"\(id)\"") {
            seen += 1
            if seen == occurrence { return i + 1 }
        }
        return nil
    }

    static func line(containing needle: String, in text: String) -> Int? {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) }.map { $0 + 1 }
    }

    static func lowercasedFirst(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.lowercased() + s.dropFirst()
    }
}
