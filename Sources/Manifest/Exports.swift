// `Diagnostic`, `SourceLocation` and the code registry live in the core (every library's errors
// become one), but every reader of a manifest works with them: importing Manifest brings them.
@_exported import KeysyncCore
