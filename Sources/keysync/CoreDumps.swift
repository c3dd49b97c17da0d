import CCoreDumps
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Core dumps off, for the commands that hold secrets in memory (raw keys in `apply`, identities
/// and plaintext in `unseal`, a fresh identity in `keygen`): a crash must not leave them in a
/// core file, and a non-dumpable process also keeps other users' debuggers out of its memory.
enum CoreDumps {
    /// Call first in `run()`, before any secret is read or made. Fails closed: when the limits
    /// cannot be set, the command stops with exit 1 instead of going on.
    static func disable() throws(CommandFailure) {
        guard keysync_disable_core_dumps() == 0 else {
            let reason = String(cString: strerror(errno))
            throw CommandFailure(.error(.coreDumpsOn, "cannot turn core dumps off: \(reason)",
                                        hint: "run keysync where it may set its own resource limits", at: nil),
                                 summary: nil)
        }
    }
}
