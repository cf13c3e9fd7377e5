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

    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// Creates the key of the given ID bytes.
    init(hashing idBytes: [UInt8]) {
        // Copied through its bytes: `Array(digest)` walks the digest's iterator byte by byte (490
        // against 304 ns and 5 against 2 mallocs per key, BENCHMARKS.md), on every request with a cookie.
        self.bytes = SHA256.hash(data: idBytes).withUnsafeBytes { Array($0) }
    }

    /// Wraps bytes read back from a store; `nil` unless there are exactly 32.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses the 64-character lowercase hex form; `nil` for anything else.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == Self.byteCount * 2, let bytes = Hex.decode(hex) else { return nil }
        self.bytes = bytes
    }

    /// The 64-character lowercase hex form.
    public var hex: String { Hex.encode(bytes) }

    /// A short public name for the session: the first 16 hex characters of the key.
    public var handle: String { Hex.encode(bytes.prefix(Self.handleLength / 2)) }

    /// The handle, so that logging a key never prints more than needed.
    public var description: String { handle }
}
