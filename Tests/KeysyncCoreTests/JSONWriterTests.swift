import Foundation
import KeysyncCore
import XCTest

/// The one JSON writer keeps the bytes each output had before it existed: audit lines, lock
/// holders and HTTP bodies were Foundation's compact JSON, `--format json` Foundation's pretty
/// JSON. They agree on every string except those holding backspace, form feed or DEL, which
/// now read as in the state file (`\u0008`, `\u000c`, `\u007f`).
final class JSONWriterTests: XCTestCase {
    private struct Sample: Codable, Equatable {
        var name: String
        var note: String?
        var count: Int
        var tags: [String]
        var nested: [String: [Int]]
    }

    /// Text from the characters where JSON writers differ: quotes, backslash, slash, line
    /// breaks, control characters, non-ASCII, U+2028.
    private func randomText(_ rng: inout SystemRandomNumberGenerator, allowingSpecials: Bool) -> String {
        var pool: [Character] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{01}", "\u{1F}",
                                 "é", "✓", "🔑", "\u{2028}", "{", "]", ":", ","]
        if allowingSpecials { pool += ["\u{08}", "\u{0C}", "\u{7F}"] }
        return String((0..<Int.random(in: 0...12, using: &rng)).map { _ in pool.randomElement(using: &rng)! })
    }

    private func randomSample(_ rng: inout SystemRandomNumberGenerator, allowingSpecials: Bool = false) -> Sample {
        Sample(name: randomText(&rng, allowingSpecials: allowingSpecials),
               note: Bool.random(using: &rng) ? nil : randomText(&rng, allowingSpecials: allowingSpecials),
               count: Int.random(in: -1000...1000, using: &rng),
               tags: (0..<Int.random(in: 1...3, using: &rng)).map { _ in randomText(&rng, allowingSpecials: allowingSpecials) },
               nested: ["k" + randomText(&rng, allowingSpecials: false).filter(\.isLetter): [1, 2]])
    }

    func testCompactLayoutIsFoundationsCompactJSON() throws {
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let sample = randomSample(&rng)
            XCTAssertEqual(String(decoding: try JSONWriter.encode(sample, layout: .compact), as: UTF8.self),
                           String(decoding: try foundation.encode(sample), as: UTF8.self))
        }
    }

    func testCommandOutputLayoutIsFoundationsPrettyJSONWithEmptyArraysClosed() throws {
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var sample = randomSample(&rng)
            if Bool.random(using: &rng) { sample.tags = [] }
            let expected = String(decoding: try foundation.encode(sample), as: UTF8.self)
                .replacingOccurrences(of: #"\[\n\s*\n\s*\]"#, with: "[]", options: .regularExpression) + "\n"
            XCTAssertEqual(try JSONWriter.text(sample, layout: .commandOutput), expected)
        }
    }

    /// Every layout writes the same value: each reads back to it.
    func testEveryLayoutReadsBack() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let sample = randomSample(&rng, allowingSpecials: true)
            for layout in [JSONLayout.canonical, .compact, .commandOutput, .schema, .diagnosticList] {
                let bytes = try JSONWriter.encode(sample, layout: layout)
                XCTAssertEqual(try JSONDecoder().decode(Sample.self, from: Data(bytes)), sample)
            }
        }
    }

    func testStringsAreEscapedAsInTheStateFile() throws {
        let text = "a/b \"q\" back\\slash\nnew\tline\r\u{8}\u{C}\u{7F}\u{1} é 🔑 \u{2028}"
        let escaped = #""a/b \"q\" back\\slash\nnew\tline\r\u0008\u000c\u007f\u0001 é 🔑 "# + "\u{2028}\""
        XCTAssertEqual(JSONString.quoted(text), escaped)
        XCTAssertEqual(String(decoding: try JSONWriter.encode([text], layout: .compact), as: UTF8.self), "[\(escaped)]")
        XCTAssertEqual(try JSONWriter.text(["k": text], layout: .canonical), "{\n  \"k\": \(escaped)\n}\n")
        // For a terminal, C1 controls too, in Swift's notation as text plans have always written them.
        XCTAssertEqual(JSONString.quoted("a\u{85}b\u{9B}c\r\u{1B}\u{7F}\n\"", for: .terminal),
                       #""a\u{85}b\u{9b}c\u{d}\u{1b}\u{7f}\n\"""#)
        XCTAssertEqual(JSONString.quoted("a\u{85}b"), "\"a\u{85}b\"")
        XCTAssertEqual(JSONString.quoted("plain"), "\"plain\"")
    }

    /// Text plans quoted values by scalar before the escaper was shared; the terminal style
    /// writes the same text for every string.
    func testTerminalStyleIsHowTextPlansQuotedValues() {
        func reference(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value):
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        var rng = SystemRandomNumberGenerator()
        let pool: [Character] = ["a", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1B}", "\u{7F}", "\u{80}",
                                 "\u{85}", "\u{9F}", "\u{A0}", "é", "🔑", "\u{2028}"]
        for _ in 0..<2000 {
            let text = String((0..<Int.random(in: 0...10, using: &rng)).map { _ in pool.randomElement(using: &rng)! })
            XCTAssertEqual(JSONString.quoted(text, for: .terminal), reference(text))
        }
    }

    func testHandBuiltDocumentsKeepTheirOrderAndLayout() {
        let schema = JSONValue.object([
            ("z", .array([.string("b"), .string("a")])),
            ("a", .object([])),
            ("list", .array([.object([("k", .integer(1))])])),
            ("empty", .array([])),
        ])
        XCTAssertEqual(String(decoding: JSONWriter.write(schema, layout: .schema), as: UTF8.self), """
            {
              "z": ["b", "a"],
              "a": {},
              "list": [
                {
                  "k": 1
                }
              ],
              "empty": []
            }

            """)
        let diagnostics = JSONValue.object([
            ("valid", .boolean(false)),
            ("diagnostics", .array([
                .object([("code", .string("x")), ("line", .null), ("tags", .array([.integer(1), .integer(2)]))]),
                .object([("code", .string("y"))]),
            ])),
        ])
        XCTAssertEqual(String(decoding: JSONWriter.write(diagnostics, layout: .diagnosticList), as: UTF8.self), """
            {
              "valid": false,
              "diagnostics": [
                {"code": "x", "line": null, "tags": [1, 2]},
                {"code": "y"}
              ]
            }

            """)
        XCTAssertEqual(String(decoding: JSONWriter.write(diagnostics, layout: .compact), as: UTF8.self),
                       #"{"valid":false,"diagnostics":[{"code":"x","line":null,"tags":[1,2]},{"code":"y"}]}"#)
    }
}
