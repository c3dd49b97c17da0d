import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension StateFile {
    /// The first line of what is signed: names the scheme so a signature can never be taken
    /// for one over some other kind of data.
    static let signingDomain = "keysync-state-signature-1\n"

    /// What the signature covers: `signingDomain`, then the canonical bytes of this state
    /// without its `signature` block. Canonical (normalised order, sorted keys), so the same
    /// content always gives the same bytes, whatever order the records are held in.
    public var signingPayload: Data {
        Data(Self.signingDomain.utf8) + withoutSignature.encoded()
    }

    /// The same state with no `signature` block. A changed state must not keep the old block:
    /// `apply` either signs the state it writes or writes it without one.
    public var withoutSignature: StateFile {
        var copy = self
        copy.signature = nil
        return copy
    }

    /// This state, signed by `key` (any previous signature replaced). Sign last, just before
    /// writing: any later change invalidates the signature.
    public func signed(with key: StateSigningKey) -> StateFile {
        var copy = self
        copy.signature = StateSignature(
            algorithm: StateSignature.ed25519, publicKey: key.publicKey.base64,
            value: key.signature(for: signingPayload).base64EncodedString())
        return copy
    }

    /// `signed(with:)` and that state's `encoded()` bytes, encoding the state once (apply writes
    /// a 72 MB state; encoding it again for the signing payload doubled its largest cost). The
    /// signed state is encoded with a placeholder value of the signature's length, the payload
    /// is cut from those bytes in place (`withSigningPayload`), signed, and the cut undone with
    /// the real value. Same answers as `signed(with:)` then `encoded()` (a differential test
    /// checks it); falls back to them if the member cannot be found.
    public func signedEncoding(with key: StateSigningKey) -> (state: StateFile, bytes: Data) {
        let placeholder = Data(count: 64).base64EncodedString()
        var signed = self
        signed.signature = StateSignature(algorithm: StateSignature.ed25519, publicKey: key.publicKey.base64, value: placeholder)
        var bytes = signed.encoded()
        let opening = Array("\n  \"signature\": {\n".utf8)
        let closing = Array("\n  },\n".utf8)
        let domain = Array(Self.signingDomain.utf8)
        let value: Data? = bytes.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) -> Data? in
            guard let marker = Self.firstIndex(of: opening, in: UnsafeRawBufferPointer(raw), from: 0),
                  let close = Self.firstIndex(of: closing, in: UnsafeRawBufferPointer(raw), from: marker + opening.count),
                  let base = raw.baseAddress
            else { return nil }
            let start = marker + 1
            let end = close + closing.count
            let cut = end - start
            guard cut >= domain.count else { return nil }
            let member = Array(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
            // As `withSigningPayload`: [head][member][tail] → [unused][domain][head][tail].
            (base + cut).copyMemory(from: base, byteCount: start)
            let payloadStart = cut - domain.count
            domain.withUnsafeBytes { (base + payloadStart).copyMemory(from: $0.baseAddress!, byteCount: domain.count) }
            let value = key.signature(for: Data(
                bytesNoCopy: base + payloadStart, count: raw.count - payloadStart, deallocator: .none))
            // Undone: the head moves back, the member (with the real value) goes between.
            base.copyMemory(from: base + cut, byteCount: start)
            var real = member
            let old = Array(placeholder.utf8)
            let new = Array(value.base64EncodedString().utf8)
            guard old.count == new.count,
                  let at = real.withUnsafeBytes({ Self.firstIndex(of: old, in: $0, from: 0) })
            else { return nil }
            real.replaceSubrange(at..<at + old.count, with: new)
            real.withUnsafeBytes { (base + start).copyMemory(from: $0.baseAddress!, byteCount: cut) }
            return value
        }
        guard let value else {
            let state = self.signed(with: key)
            return (state, state.encoded())
        }
        signed.signature?.value = value.base64EncodedString()
        return (signed, bytes)
    }

    /// Checks that `trusted` signed exactly this content; throws what is wrong otherwise:
    /// no signature, another signer, an unreadable block, or content changed after signing.
    public func verifySignature(trusting trusted: StatePublicKey) throws(StateSignatureError) {
        let value = try signatureValue(trusting: trusted)
        guard trusted.key.isValidSignature(value, for: signingPayload) else { throw .badSignature }
    }

    /// `verifySignature(trusting:)` for the state `StateFile.decode` read from `canonicalBytes`,
    /// without encoding it again: the payload is cut from those bytes (they are `encoded()`, so
    /// dropping the `signature` member's lines leaves `withoutSignature.encoded()`). The bytes
    /// are consumed — turned into the payload in place — so a 72 MB state is never held twice;
    /// the caller must not use them afterwards. Same answers as `verifySignature(trusting:)`.
    public func verifySignature(trusting trusted: StatePublicKey, consumingCanonicalBytes canonicalBytes: inout Data)
        throws(StateSignatureError)
    {
        let value = try signatureValue(trusting: trusted)
        let valid = Self.withSigningPayload(cutFrom: &canonicalBytes, expecting: canonicalMember) { payload in
            trusted.key.isValidSignature(value, for: payload)
        } ?? trusted.key.isValidSignature(value, for: signingPayload)
        guard valid else { throw .badSignature }
    }

    /// Checks `trusted`'s signature over `signedBytes` as they are, cut in place into the
    /// signing payload (consumed, as above), for a state whose `signature` block was read from
    /// them without decoding the rest. A valid signature proves the bytes without the block are
    /// exactly what the signer encoded — canonical, since only `encoded()` is ever signed — so
    /// no other check of their form is needed. `nil` (bytes untouched) when they hold no
    /// `signature` member where canonical bytes hold it: the caller must decode them in full.
    public func verifySignature(trusting trusted: StatePublicKey, consumingSignedBytes signedBytes: inout Data)
        throws(StateSignatureError) -> Void?
    {
        let value = try signatureValue(trusting: trusted)
        guard let valid = Self.withSigningPayload(cutFrom: &signedBytes, expecting: canonicalMember, { payload in
            trusted.key.isValidSignature(value, for: payload)
        }) else { return nil }
        guard valid else { throw .badSignature }
        return ()
    }

    /// Whether `trusted` signed exactly `signedBytes` (this state's `signature` block read from
    /// them), as `verifySignature(trusting:consumingSignedBytes:)` decides it: `true` consumes
    /// the bytes (cut into the payload); `false` — no valid signature by `trusted`, or no member
    /// where canonical bytes hold it — leaves them exactly as they were, for the reference
    /// decoder to read and the reference check to explain.
    func isSigned(by trusted: StatePublicKey, restoringUnlessValid signedBytes: inout Data) -> Bool {
        guard let value = try? signatureValue(trusting: trusted) else { return false }
        return Self.withSigningPayload(cutFrom: &signedBytes, expecting: canonicalMember, restoring: { !$0 }) { payload in
            trusted.key.isValidSignature(value, for: payload)
        } ?? false
    }

    /// The `signature` member's lines as canonical bytes hold them (two-space indent, the comma
    /// that always follows it), for `withSigningPayload` to cut only exactly that.
    private var canonicalMember: [UInt8]? {
        guard let signature, let document = try? JSONWriter.encode(["signature": signature], layout: .canonical),
              document.count > 5
        else { return nil }
        // `{\n` + the member + `\n}\n`.
        return Array(document[2..<document.count - 3]) + Array(",\n".utf8)
    }

    /// The signature's 64 bytes once the block names `trusted` and Ed25519; throws otherwise.
    func signatureValue(trusting trusted: StatePublicKey) throws(StateSignatureError) -> Data {
        guard let signature else { throw .missingSignature }
        guard signature.algorithm == StateSignature.ed25519 else { throw .unsupportedAlgorithm(signature.algorithm) }
        let signer = try StatePublicKey(base64: signature.publicKey) { _ in
            .malformedSignature("public_key must be the base64 of 32 bytes")
        }
        guard signer == trusted else { throw .signedByAnotherKey(found: signer.description) }
        guard let value = Data(base64Encoded: signature.value), value.count == 64 else {
            throw .malformedSignature("value must be the base64 of a 64-byte Ed25519 signature")
        }
        return value
    }

    /// `signingPayload` of the signed state whose canonical bytes (`encoded()`) are `bytes`, cut
    /// from them; `nil` when they hold no `signature` member. For tests (it copies the bytes).
    static func signingPayload(cutFrom bytes: Data) -> Data? {
        var copy = bytes
        return withSigningPayload(cutFrom: &copy) { Data($0) }
    }

    /// Rewrites canonical bytes, in place, into `signingDomain` + the same bytes without the
    /// `signature` member, and passes that to `body`; `nil` (bytes untouched) when no member is
    /// found. In canonical bytes a raw newline never occurs inside a string and a top-level
    /// member's line starts with exactly two spaces, so `\n  "signature": {` marks the member,
    /// and its object (strings only, one level deeper) ends at the first `\n  }` after it; a
    /// comma always follows (`teams` and `version` come after it in sorted order).
    ///
    /// `member`, when given, is the member's exact canonical lines (`canonicalMember(of:)`): a
    /// stretch that holds anything else (another field slipped in after the object's values) is
    /// not cut, so nothing outside the signed payload can ride along unchecked.
    ///
    /// `restoring`, given `body`'s answer, says whether to undo the cut afterwards (the member
    /// put back, the head moved back), leaving the bytes as they were.
    static func withSigningPayload<R>(
        cutFrom bytes: inout Data, expecting member: [UInt8]? = nil, restoring: (R) -> Bool = { _ in false },
        _ body: (UnsafeRawBufferPointer) -> R
    ) -> R? {
        let opening = Array("\n  \"signature\": {\n".utf8)
        let closing = Array("\n  },\n".utf8)
        let domain = Array(signingDomain.utf8)
        let count = bytes.count
        return bytes.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) -> R? in
            guard let marker = firstIndex(of: opening, in: UnsafeRawBufferPointer(raw), from: 0),
                  let close = firstIndex(of: closing, in: UnsafeRawBufferPointer(raw), from: marker + opening.count)
            else { return nil }
            let start = marker + 1  // the member's first line
            let end = close + closing.count  // after its last line
            let cut = end - start
            guard cut >= domain.count, let base = raw.baseAddress else { return nil }
            if let member, !member.elementsEqual(UnsafeRawBufferPointer(rebasing: raw[start..<end])) { return nil }
            let saved = Array(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
            // [head][member][tail] → [unused][domain][head][tail]: the head moves right by `cut`.
            (base + cut).copyMemory(from: base, byteCount: start)
            let payloadStart = cut - domain.count
            domain.withUnsafeBytes { (base + payloadStart).copyMemory(from: $0.baseAddress!, byteCount: domain.count) }
            let result = body(UnsafeRawBufferPointer(rebasing: raw[payloadStart..<count]))
            if restoring(result) {
                base.copyMemory(from: base + cut, byteCount: start)
                saved.withUnsafeBytes { (base + start).copyMemory(from: $0.baseAddress!, byteCount: cut) }
            }
            return result
        }
    }

    /// Where `needle` first occurs in `haystack` at or after `start` (memchr to each candidate).
    private static func firstIndex(of needle: [UInt8], in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = haystack.baseAddress, let first = needle.first else { return nil }
        return needle.withUnsafeBytes { (pattern: UnsafeRawBufferPointer) -> Int? in
            var i = start
            while i + pattern.count <= haystack.count {
                guard let hit = memchr(base + i, Int32(first), haystack.count - i) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit))
                guard at + pattern.count <= haystack.count else { return nil }
                if memcmp(base + at, pattern.baseAddress!, pattern.count) == 0 { return at }
                i = at + 1
            }
            return nil
        }
    }
}
