import Foundation
import KeysyncCore

/// Which address a request comes from, for keys restricted by `allowed_ips`: the connection's
/// peer, unless that peer is one of the configured trusted proxies — then the address that
/// proxy forwarded. Pure, so the trust rules are table-tested without sockets.
///
/// Behind trusted proxies, `X-Forwarded-For` is read from the right: each proxy appends the
/// address it received the request from, so the right-most entry that is not itself a trusted
/// proxy is the first address no trusted party vouches against; anything left of it may have
/// been written by the client. Without `X-Forwarded-For`, `X-Real-IP` (one address) is used.
struct ClientAddressResolver: Sendable {
    /// `--trusted-proxy` ranges; empty: forwarded headers are never believed.
    let trustedProxies: [IPAddressRange]

    /// `peer` is the connection's address as text (`nil` when unknown); `forwardedFor` every
    /// `X-Forwarded-For` value; `realIP` every `X-Real-IP` value.
    func resolve(peer: String?, forwardedFor: [String], realIP: [String]) -> ClientAddress {
        guard let peerText = peer, let peer = IPAddress(peerText) else { return .unknown }
        guard isTrusted(peer) else { return .known(peer) }
        let entries = forwardedFor.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if !entries.isEmpty {
            var leftmost: IPAddress?
            for entry in entries.reversed() {
                // One unreadable hop makes the chain unreadable: refuse rather than skip it.
                guard let address = Self.address(entry) else { return .unknown }
                if !isTrusted(address) { return .known(address) }
                leftmost = address
            }
            // Every hop is a trusted proxy: the request started at the first of them.
            return leftmost.map(ClientAddress.known) ?? .unknown
        }
        if !realIP.isEmpty {
            guard realIP.count == 1, let address = Self.address(realIP[0].trimmingCharacters(in: .whitespaces)) else {
                return .unknown
            }
            return .known(address)
        }
        // A trusted proxy that forwards no address: its own address says nothing about the client.
        return .unknown
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// An entry as proxies write it: a bare address, or an IPv6 address in brackets.
    private static func address(_ entry: String) -> IPAddress? {
        if entry.hasPrefix("["), entry.hasSuffix("]") { return IPAddress(String(entry.dropFirst().dropLast())) }
        return IPAddress(entry)
    }
}
