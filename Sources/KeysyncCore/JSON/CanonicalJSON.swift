import Foundation

/// The canonical JSON of state files and saved plans: `JSONWriter` in its `canonical` layout
/// (pretty, keys sorted, one field per line, `"key": value`, two-space indent, trailing newline),
/// and the decoder that reads it back.
///
/// Byte stability is the point: the state file lives in git, so the same value must always give
/// the same bytes and a one-key change must give a one-key diff.
public enum CanonicalJSON {
    /// Dates are RFC 3339 in UTC with whole seconds, as written in manifests.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        Data(try JSONWriter.encode(value, layout: .canonical))
    }

    /// The canonical bytes of a value whose first key (in sorted order) is the array `key`,
    /// written with the array `elements` in it: the same bytes as `encode` of the whole value,
    /// but each element goes through `JSONEncoder` on its own. A 100,000-key state then never
    /// exists as one encoder tree and one compact copy, only as the output being built.
    static func encode<Shell: Encodable, Element: Encodable>(
        _ shell: Shell, splicing elements: [Element], intoLeadingArray key: String
    ) throws -> Data {
        let encoder = JSONWriter.compactEncoder()
        let head = try JSONWriter.layOut([UInt8](try encoder.encode(shell)), .canonical)
        let empty = Array("{\n  \"\(key)\": []".utf8)
        guard head.starts(with: empty) else { throw JSONWriter.MalformedInput() }
        var out: [UInt8] = Array("{\n  \"\(key)\": [".utf8)
        out.reserveCapacity(head.count + elements.count * 512)
        for (index, element) in elements.enumerated() {
            out.append(contentsOf: Array((index == 0 ? "\n    " : ",\n    ").utf8))
            var pretty = try JSONWriter.layOut([UInt8](try encoder.encode(element)), .canonical, depth: 2)
            pretty.removeLast()  // the trailing newline of a whole document
            out.append(contentsOf: pretty)
        }
        if !elements.isEmpty { out.append(contentsOf: Array("\n  ]".utf8)) } else { out.append(UInt8(ascii: "]")) }
        out.append(contentsOf: head[empty.count...])
        return Data(out)
    }

    /// Reads what `encode` writes: dates as RFC 3339 timestamps.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an RFC 3339 timestamp, found \"\(text)\"")
            }
            return date
        }
        return decoder
    }
}
