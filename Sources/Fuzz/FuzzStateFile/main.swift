// @testable needs a module built for testing, which SwiftPM does in debug builds only; a
// release build (swift build -c release) gets a stub that says so.
#if DEBUG
import Foundation
import FuzzSupport
@testable import KeysyncCore
@testable import Reconciler

/// State file bytes through `StateFile.decode`. Must hold: no crash; a decoded state's
/// canonical bytes decode to a state with the same canonical bytes (decoding keeps the file's
/// key order and `encoded()` normalises it, so the states themselves may differ in order); and
/// whenever the one-pass `CanonicalStateReader` vouches for the bytes, the reference `Codable`
/// decoder reads the same state (its documented promise).
func fuzzStateFile(_ bytes: [UInt8]) {
    let data = Data(bytes)
    if let fast = CanonicalStateReader.read(data) {
        let reference = try? CanonicalJSON.decoder().decode(StateFile.self, from: data)
        precondition(reference == fast, "CanonicalStateReader and the Codable decoder disagree")
    }
    guard let state = try? StateFile.decode(data) else { return }
    let encoded = state.encoded()
    let again: StateFile
    do {
        again = try StateFile.decode(encoded)
    } catch {
        preconditionFailure("a decoded state re-encodes to bytes that do not decode: \(error)")
    }
    precondition(again.encoded() == encoded, "the canonical bytes changed in a decode-encode round trip")
}

FuzzMain.run(fuzzStateFile)
#else
import FuzzSupport

FuzzMain.debugBuildOnly()
#endif
