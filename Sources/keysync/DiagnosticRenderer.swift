import ArgumentParser
import Manifest

/// How `validate` (and later commands) show diagnostics: `text` for people, `json` for tools,
/// `github` for GitHub Actions annotations. The one place diagnostics become output.
struct DiagnosticRenderer {
    enum Format: String, CaseIterable, ExpressibleByArgument {
        case text, json, github
    }

    var format: Format
    var terminal: Terminal
    /// File contents by path, to quote the offending line under a text diagnostic.
    var sources: [String: [UInt8]]

    /// The whole output for one run: every diagnostic, then a summary when there is one (text
    /// and github).
    func render(_ diagnostics: [Diagnostic], summary: String?) -> String {
        switch format {
        case .text:
            var out = ""
            for d in diagnostics { out += text(d) }
            if let summary { out += summary + "\n" }
            return out
        case .json:
            return json(diagnostics)
        case .github:
            var out = ""
            for d in diagnostics { out += github(d) }
            if let summary { out += summary + "\n" }
            return out
        }
    }

    // MARK: text

    private func text(_ d: Diagnostic) -> String {
        let label = terminal.paint("\(d.severity.rawValue)[\(d.code)]", d.severity == .error ? .error : .warning)
        var out = ""
        if let place = d.location { out += terminal.paint("\(place):", .bold) + " " }
        out += "\(label): \(d.message)\n"
        if let place = d.location, let line = sourceLine(file: place.file, line: place.line) {
            let gutter = String(place.line)
            let pad = String(repeating: " ", count: gutter.count)
            // Keep tabs so the caret lines up with the character the column counts.
            let lead = String(line.prefix(max(place.column - 1, 0)).map { $0 == "\t" ? "\t" : " " })
            out += " \(gutter) | \(line)\n"
            out += " \(pad) | \(lead)\(terminal.paint("^", .caret))\n"
        }
        if let hint = d.hint { out += "  " + terminal.paint("hint:", .hint) + " \(hint)\n" }
        return out
    }

    private func sourceLine(file: String, line: Int) -> String? {
        guard let bytes = sources[file], line >= 1 else { return nil }
        var current = 1
        var start = 0
        var i = 0
        while i < bytes.count && current < line {
            if bytes[i] == UInt8(ascii: "\n") {
                current += 1
                start = i + 1
            }
            i += 1
        }
        guard current == line, start <= bytes.count else { return nil }
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") && bytes[end] != UInt8(ascii: "\r") { end += 1 }
        // Decoding repairs invalid UTF-8 so a not-utf8 diagnostic can still quote its line.
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    // MARK: json

    /// `{"version": 1, "valid": …, "diagnostics": [...]}`, members in that order and each
    /// diagnostic on one line (`JSONLayout.diagnosticList`), written by the one JSON writer.
    private func json(_ diagnostics: [Diagnostic]) -> String {
        let document = JSONValue.object([
            ("version", .integer(1)),
            ("valid", .boolean(!diagnostics.hasErrors)),
            ("diagnostics", .array(diagnostics.map(Self.json))),
        ])
        return String(decoding: JSONWriter.write(document, layout: .diagnosticList), as: UTF8.self)
    }

    private static func json(_ d: Diagnostic) -> JSONValue {
        .object([
            ("severity", .string(d.severity.rawValue)),
            ("code", .string(d.code)),
            ("message", .string(d.message)),
            ("hint", d.hint.map(JSONValue.string) ?? .null),
            ("file", d.location.map { .string($0.file) } ?? .null),
            ("line", d.location.map { .integer($0.line) } ?? .null),
            ("column", d.location.map { .integer($0.column) } ?? .null),
        ])
    }

    // MARK: github

    /// `::error file=…,line=…,col=…,title=…::message` (GitHub's workflow command syntax:
    /// `%`, CR and LF escaped in the message; also `:` and `,` in properties).
    private func github(_ d: Diagnostic) -> String {
        var properties: [String] = []
        if let place = d.location {
            properties.append("file=\(escapeProperty(place.file))")
            properties.append("line=\(place.line)")
            properties.append("col=\(place.column)")
        }
        properties.append("title=\(escapeProperty(d.code))")
        var message = d.message
        if let hint = d.hint { message += "\nhint: \(hint)" }
        return "::\(d.severity.rawValue) \(properties.joined(separator: ","))::\(escapeData(message))\n"
    }

    private func escapeData(_ s: String) -> String {
        s.replacingAll("%", "%25").replacingAll("\r", "%0D").replacingAll("\n", "%0A")
    }

    private func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingAll(":", "%3A").replacingAll(",", "%2C")
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
