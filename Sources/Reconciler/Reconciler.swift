// The reconciler works on the core's types (keys, the state file, the verifier) and hands them
// to its callers; importing `Reconciler` brings them along.
@_exported import KeysyncCore
