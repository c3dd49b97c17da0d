/// One recipient stanza of an age header: `-> type args…` and a base64 body wrapped at 64
/// columns. Identities recognise their stanzas by the first argument and skip the rest.
struct AgeStanza: Equatable, Sendable {
    /// All arguments; the first is the stanza type (`X25519`, `scrypt`, …).
    var arguments: [String]
    /// The decoded body.
    var body: [UInt8]
    /// 1-based header line of the `->` line, for messages.
    var line: Int

    var type: String { arguments.first ?? "" }

    /// Appends the stanza's text: argument line, body lines of 64 columns, and always a final
    /// line shorter than 64 (possibly empty).
    func write(into output: inout [UInt8]) {
        output.append(contentsOf: "->".utf8)
        for argument in arguments {
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: argument.utf8)
        }
        output.append(UInt8(ascii: "\n"))
        var encoded: [UInt8] = []
        Base64.encode(body, padded: false, into: &encoded)
        var start = 0
        while true {
            let end = min(start + 64, encoded.count)
            output.append(contentsOf: encoded[start..<end])
            output.append(UInt8(ascii: "\n"))
            if end - start < 64 { break }
            start = end
        }
    }
}
