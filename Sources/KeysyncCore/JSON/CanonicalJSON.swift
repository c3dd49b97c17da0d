import Foundation

/// The canonical JSON of state files and saved plans: `JSONWriter` in its `canonical` layout
/// (pretty, keys sorted, one field per line, `"key": value`, two-space indent, trailing newline),
/// and the decoder that reads it back.
///
/// Byte stability is the point: the state file lives in git, so the same value must always give
/// the same bytes and a one-key change must give a one-key diff.
public enum CanonicalJSON {
    /// Stops `matches` at the first piece that differs.
    private struct Differs: Error {}

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
        var out: [UInt8] = []
        try write(shell, splicing: elements, intoLeadingArray: key, reservingFor: { out.reserveCapacity($0) }) {
            out.append(contentsOf: $0)
        }
        return Data(out)
    }

    /// Whether `data` is exactly what `encode(_:splicing:intoLeadingArray:)` writes for these
    /// values, found by comparing piece by piece as the encoding is produced: a reader checking
    /// that a 72 MB state is canonical never holds a second copy of it.
    static func matches<Shell: Encodable, Element: Encodable>(
        _ data: Data, shell: Shell, splicing elements: [Element], intoLeadingArray key: String
    ) throws -> Bool {
        return try data.withUnsafeBytes { (expected: UnsafeRawBufferPointer) throws -> Bool in
            var offset = 0
            do {
                try write(shell, splicing: elements, intoLeadingArray: key, reservingFor: { _ in }) { (piece: [UInt8]) throws in
                    guard piece.count <= expected.count - offset,
                          piece.withUnsafeBytes({ $0.elementsEqual(UnsafeRawBufferPointer(rebasing: expected[offset..<offset + piece.count])) })
                    else { throw Differs() }
                    offset += piece.count
                }
            } catch is Differs {
                return false
            }
            return offset == expected.count
        }
    }

    /// The one writer behind `encode` and `matches`: hands the canonical bytes to `sink` in
    /// order, in pieces (the opening, each element, the rest of the shell).
    private static func write<Shell: Encodable, Element: Encodable>(
        _ shell: Shell, splicing elements: [Element], intoLeadingArray key: String,
        reservingFor reserve: (Int) -> Void, to sink: ([UInt8]) throws -> Void
    ) throws {
        let encoder = JSONWriter.compactEncoder()
        let head = try JSONWriter.layOut([UInt8](try encoder.encode(shell)), .canonical)
        let empty = Array("{\n  \"\(key)\": []".utf8)
        guard head.starts(with: empty) else { throw JSONWriter.MalformedInput() }
        reserve(head.count + elements.count * 512)
        try sink(Array("{\n  \"\(key)\": [".utf8))
        for (index, element) in elements.enumerated() {
            var pretty = Array((index == 0 ? "\n    " : ",\n    ").utf8)
            pretty += try JSONWriter.layOut([UInt8](try encoder.encode(element)), .canonical, depth: 2)
            pretty.removeLast()  // the trailing newline of a whole document
            try sink(pretty)
        }
        try sink(elements.isEmpty ? [UInt8(ascii: "]")] : Array("\n  ]".utf8))
        try sink(Array(head[empty.count...]))
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
