import Crypto

/// The ticket a client holds: 32 bytes from the system's CSPRNG, written as 43 base64url characters.
///
/// The ID lives only in the client's cookie or header. Stores, logs and events know a session by
/// its ``SessionKey``, the SHA-256 of the ID, so a leaked store or log lets no one in.
/// ``description`` is redacted; use ``encoded`` to hand the ID to the client.
public struct SessionID: Sendable, Hashable, CustomStringConvertible {
    /// Number of random bytes in an ID.
    public static let byteCount = 32
    /// Number of characters in an encoded ID.
    public static let encodedLength = 43

    /// The raw random bytes.
    public let bytes: [UInt8]

    /// Creates a new ID from the system's CSPRNG.
    public static func generate() -> SessionID {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        // Four 64-bit draws: the system generator makes one system call per draw, whatever its size.
        var generator = SystemRandomNumberGenerator()
        for chunk in 0..<(byteCount / 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { word in
                bytes.replaceSubrange((chunk * 8)..<(chunk * 8 + 8), with: word)
            }
        }
        return SessionID(validatedBytes: bytes)
    }

    /// Parses an ID from its 43-character base64url form.
    ///
    /// Anything else (other length, padding, characters outside base64url, non-canonical trailing
    /// bits) throws ``CloakroomError/Code/invalidSessionID`` before any store is asked.
    public init(parsing text: some StringProtocol) throws(CloakroomError) {
        guard let bytes = Base64URL.decode(text, expectedByteCount: Self.byteCount) else {
            throw CloakroomError(
                .invalidSessionID,
                "a session ID must be \(Self.encodedLength) base64url characters; the value given is not one"
            )
        }
        self.bytes = bytes
    }

    init(validatedBytes bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount)
        self.bytes = bytes
    }

    /// The 43-character base64url form, to give to the client. Treat it as a secret.
    public var encoded: String { Base64URL.encode(bytes) }

    /// The key stores know this session by.
    public var key: SessionKey { SessionKey(hashing: bytes) }

    /// Redacted: an ID must never reach a log.
    public var description: String { "SessionID(redacted)" }
}
