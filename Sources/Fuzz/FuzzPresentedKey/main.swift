import FuzzSupport
import Reconciler

/// `keysync verify`'s input handling (`PresentedKeyInput.parse`). Must hold: no crash; a key it
/// returns is one line taken from the input; a refusal never repeats a long header name (a key
/// pasted before a colon must not reach stderr).
func fuzzPresentedKey(_ bytes: [UInt8]) {
    switch PresentedKeyInput.parse(bytes) {
    case .success(let key):
        precondition(!key.contains("\n") && !key.contains("\r\n"), "a key with a line break")
        precondition(key.isEmpty || String(decoding: bytes, as: UTF8.self).contains(key), "a key not from the input")
    case .failure(let problem):
        let unsupported = "unsupported header "
        if problem.message.hasPrefix(unsupported) {
            let name = problem.message.dropFirst(unsupported.count).prefix { $0 != ";" }
            precondition(name.count <= 24, "a long header name was echoed")
        }
    }
}

FuzzMain.run(fuzzPresentedKey)
