import Foundation
import XCTest
@testable import Manifest

/// The schema and the validator must agree: every field the validator knows is in the schema,
/// and each text rule's pattern accepts what the decoder accepts.
final class ManifestSchemaTests: XCTestCase {
    private func schemaObject() throws -> [String: Any] {
        let data = Data(ManifestSchema.jsonText.utf8)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func properties(_ object: [String: Any]?) -> Set<String> {
        Set(((object?["properties"] as? [String: Any]) ?? [:]).keys)
    }

    /// The fields the validator lists in its unknown-field hint, per kind of mapping: learned
    /// through the public loader, not from the tables the schema is generated from.
    private func knownFields(where place: String) throws -> Set<String> {
        let documents = [
            "root": "version: 1\nprefix: thig\nzzz_unknown: 1\n",
            "plan": "version: 1\nprefix: thig\nplans:\n  pro:\n    zzz_unknown: 1\n",
            "defaults": "version: 1\nprefix: thig\ndefaults:\n  zzz_unknown: 1\n",
            "team": "version: 1\nprefix: thig\nteams:\n  a:\n    plan: free\n    zzz_unknown: 1\n",
            "key": "version: 1\nprefix: thig\nteams:\n  a:\n    plan: free\n    keys:\n      - name: k\n        zzz_unknown: 1\n",
        ]
        let text = try XCTUnwrap(documents[place])
        let result = ManifestLoader.load([ManifestSource(path: "keys.yaml", bytes: Array(text.utf8))])
        let diagnostic = try XCTUnwrap(result.diagnostics.first { $0.code == "unknown-field" }, place)
        let hint = try XCTUnwrap(diagnostic.hint)
        XCTAssertTrue(hint.hasPrefix("known fields here: "), hint)
        return Set(hint.dropFirst("known fields here: ".count).components(separatedBy: ", "))
    }

    func testEveryFieldTheValidatorKnowsIsInTheSchema() throws {
        let schema = try schemaObject()
        let defs = try XCTUnwrap(schema["$defs"] as? [String: Any])
        let places: [(String, [String: Any]?)] = [
            ("root", schema), ("plan", defs["plan"] as? [String: Any]),
            ("defaults", defs["defaults"] as? [String: Any]), ("team", defs["team"] as? [String: Any]),
            ("key", defs["key"] as? [String: Any]),
        ]
        // The fields keys.yaml documents, written out here: the decoder's hint and the schema are
        // both generated from one field table, so each is checked against this list, not each other.
        let documented: [String: Set<String>] = [
            "root": ["defaults", "plans", "prefix", "teams", "version"],
            "plan": ["api_access", "max_keys", "scopes"],
            "defaults": ["expires", "expires_in", "rate_limit", "rotate_every", "rotate_grace"],
            "team": ["allowed_ips", "contacts", "keys", "owner", "plan", "protect", "recipients", "scopes"],
            "key": ["active", "description", "expires", "expires_in", "name", "owner", "protect", "rate_limit", "renamed_from",
                    "rotate", "rotate_every", "rotate_grace", "scopes", "allowed_ips"],
        ]
        for (place, object) in places {
            let known = try knownFields(where: place)
            XCTAssertEqual(known, documented[place], "fields the decoder knows at \(place)")
            XCTAssertEqual(properties(object), documented[place], "schema fields of \(place)")
            XCTAssertEqual(object?["additionalProperties"] as? Bool, false, place)
        }
    }

    func testSchemaDeclaresDraft202012AndTheRequiredFields() throws {
        let schema = try schemaObject()
        XCTAssertEqual(schema["$schema"] as? String, "https://json-schema.org/draft/2020-12/schema")
        let defs = try XCTUnwrap(schema["$defs"] as? [String: Any])
        XCTAssertEqual((defs["key"] as? [String: Any])?["required"] as? [String], ["name"])
        XCTAssertEqual((defs["team"] as? [String: Any])?["required"] as? [String], ["plan"])
        let rate = try XCTUnwrap(((defs["key"] as? [String: Any])?["properties"] as? [String: Any])?["rate_limit"] as? [String: Any])
        XCTAssertEqual(rate["minimum"] as? Int, KeyDefaults.rateLimitRange.lowerBound)
        XCTAssertEqual(rate["maximum"] as? Int, KeyDefaults.rateLimitRange.upperBound)
    }


    /// Samples on both sides of each rule's edges. Names, prefixes, emails and periods must match
    /// the decoder exactly (up to the 100-year cap on periods); dates and recipients are shape
    /// checks, so there the pattern must accept at least what the decoder accepts.
    func testTextPatternsAgreeWithTheDecoder() throws {
        let samples: [TextRule: [String]] = [
            .name: ["a", "checkout-api", "x.y_z-1", String(repeating: "a", count: 63), String(repeating: "a", count: 64),
                    "", "Checkout", "a b", "a/b", "é", "no", "123"],
            .prefix: ["thig", "T1", String(repeating: "a", count: 16), String(repeating: "a", count: 17), "",
                      "thig_live", "th-ig", "ü"],
            .email: ["a@b.c", "alice@example.com", "a.b@c.d.e", "a@b..c", "bob", "a@b", "@b.c", "a@.b", "a@b.",
                     "a@@b.c", "a b@c.d", "a@b.c d", "a@b@c.d", "é@ü.de", "a\u{7f}@b.c"],
            .period: ["1s", "90d", "12h", "52w", "090d", "0h", "00d", "d", "90", "90x", "-1d", "1.5h", " 9d", "1D"],
            .date: ["2027-03-01", "2027-02-28", "2024-02-29", "2027-03-01T12:00:00Z", "2027-03-01t12:00:00z",
                    "2027-03-01 12:00:00.5+02:00", "2027-06-30T18:00:00+02:00", "2027-13-01", "2027-3-1",
                    "2027-03-01T25:00:00Z", "2027-03-01T12:00Z", "2027-03-01T12:00:00", "tomorrow", "2027-02-30"],
            .recipient: ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
                         "age1c9vz9za7flk50tyz47edc7nvlh274sjsw2d0y3mk59dkk88ysp6qwq7zh0",
                         "AGE1QL3Z7HJY54PW3HYWW5AYYFG7ZQGVC7W3J2ELW8ZMRJ2KG5SFN9AQMCAC8P",
                         "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8q",
                         "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8",
                         "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", "AGE-SECRET-KEY-1XYZ", "age1"],
            .scope: ["*", "projects:read", "projects:*", "a:b", "x.y_z-1:export.csv", String(repeating: "a", count: 63) + ":b",
                     String(repeating: "a", count: 64) + ":b", "", "projects", "Projects:read", "*:read", "projects:**",
                     ":read", "projects:", "-a:b", "a:b:c", "a b:c", "é:read"],
            .ipRange: ["203.0.113.0/24", "198.51.100.7", "0.0.0.0/0", "::/0", "2001:db8::/32", "2001:DB8::7",
                       "::1", "::ffff:1.2.3.4", "203.0.113.1/24", "1.2.3.4/33", "fe80::1%eth0", "010.0.0.1", "hello", ""],
        ]
        let exact: Set<TextRule> = [.name, .prefix, .email, .period, .scope]
        for (rule, texts) in samples {
            let pattern = try XCTUnwrap(rule.pattern, "\(rule)")
            let regex = try NSRegularExpression(pattern: pattern)
            var accepted = 0
            for text in texts {
                let matches = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                let valid = rule.accepts(text)
                if valid { accepted += 1 }
                if exact.contains(rule) {
                    XCTAssertEqual(matches, valid, "\(rule) \"\(text)\": pattern \(matches), decoder \(valid)")
                } else if valid {
                    XCTAssertTrue(matches, "\(rule) \"\(text)\" is valid but the pattern refuses it")
                }
            }
            XCTAssertGreaterThan(accepted, 0, "\(rule): no valid sample")
            XCTAssertLessThan(accepted, texts.count, "\(rule): no invalid sample")
        }
        XCTAssertNil(TextRule.any.pattern)
        XCTAssertEqual(Set(samples.keys).union([.any]), Set(TextRule.allCases))
    }
}
