import Crypto

/// The name a store gives a session: the SHA-256 of its ``SessionID``.
///
/// Knowing a key does not let anyone resume the session, so keys may appear in stores, and a
/// short prefix of their hex (the ``handle``) in logs, events and admin views.
public struct SessionKey: Sendable, Hashable, CustomStringConvertible {
    /// Number of bytes in a key.
    public static let byteCount = 32
    /// Number of hex characters in a handle.
    public static let handleLength = 16

    /// The 32 bytes, inline: hashing an ID into its key allocates no array.
    let storage: Bytes32

    /// The 32 bytes of the digest, as a new array; ``withUnsafeBytes(_:)`` reads them without one.
    public var bytes: [UInt8] { storage.array }

    /// Creates the key of the given ID bytes.
    init(hashing id: Bytes32) {
        // The digest is copied into the key in one load, not walked byte by byte through its
        // iterator: this runs on every request with a cookie.
        var hash = SHA256()
        id.withUnsafeBytes { hash.update(bufferPointer: $0) }
        self.storage = hash.finalize().withUnsafeBytes { Bytes32(copying: $0) }
    }

    init(storage: Bytes32) {
        self.storage = storage
    }

    /// Wraps bytes read back from a store; `nil` unless there are exactly 32.
    public init?(bytes: some Collection<UInt8>) {
        guard let storage = Bytes32(bytes) else { return nil }
        self.storage = storage
    }

    /// Parses the 64-character lowercase hex form; `nil` for anything else.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == Self.byteCount * 2, let bytes = Hex.decode(hex), let storage = Bytes32(bytes) else {
            return nil
        }
        self.storage = storage
    }

    /// Calls `body` with the 32 bytes, without copying them into an array.
    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withUnsafeBytes(body)
    }

    /// The 64-character lowercase hex form.
    public var hex: String { storage.withUnsafeBytes { Hex.encode($0) } }

    /// Appends the 64-character lowercase hex form's bytes to `output`, for stores that name
    /// records by it on every call (no string made on the way).
    package func appendHex(to output: inout [UInt8]) {
        storage.withUnsafeBytes { Hex.append($0, to: &output) }
    }

    /// A short public name for the session: the first 16 hex characters of the key.
    public var handle: String { storage.withUnsafeBytes { Hex.encode($0.prefix(Self.handleLength / 2)) } }

    /// The handle, so that logging a key never prints more than needed.
    public var description: String { handle }
}
