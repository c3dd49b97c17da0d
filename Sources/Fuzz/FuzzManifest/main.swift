import FuzzSupport
import Manifest

/// keys.yaml bytes through the whole front half (libyaml events, decoding, validation). Must
/// hold: no crash or hang; a manifest exactly when no error was reported; every location 1-based.
func fuzzManifest(_ bytes: [UInt8]) {
    let result = ManifestLoader.load([ManifestSource(path: "fuzz.yaml", bytes: bytes)])
    precondition((result.manifest != nil) == !result.diagnostics.hasErrors, "a manifest together with errors, or neither")
    for diagnostic in result.diagnostics {
        if let location = diagnostic.location {
            precondition(location.file == "fuzz.yaml" && location.line >= 1 && location.column >= 1, "\(diagnostic)")
        }
    }
}

FuzzMain.run(fuzzManifest)
