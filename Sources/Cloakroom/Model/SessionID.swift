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

    /// The 32 bytes, inline: parsing an ID allocates nothing.
    let storage: Bytes32

    /// The key stores know this session by, hashed once when the ID is made: a request that
    /// resumes and then saves its session asks for it more than once.
    public let key: SessionKey

    /// The raw random bytes, as a new array.
    public var bytes: [UInt8] { storage.array }

    /// Creates a new ID from the system's CSPRNG.
    public static func generate() -> SessionID {
        // Four 64-bit draws: the system generator makes one system call per draw, whatever its size.
        var generator = SystemRandomNumberGenerator()
        let storage = Bytes32 { raw in
            for chunk in 0..<(byteCount / 8) {
                raw.storeBytes(of: generator.next() as UInt64, toByteOffset: chunk * 8, as: UInt64.self)
            }
            return true
        }
        // The closure always fills all 32 bytes.
        return SessionID(storage: storage!)
    }

    /// Parses an ID from its 43-character base64url form.
    ///
    /// Anything else (other length, padding, characters outside base64url, non-canonical trailing
    /// bits) throws ``CloakroomError/Code/invalidSessionID`` before any store is asked.
    public init(parsing text: some StringProtocol) throws(CloakroomError) {
        try self.init(decoded: Base64URL.decode32(text))
    }

    /// Parses an ID from its 43-character base64url form, as the generic `init(parsing:)`
    /// does. A concrete overload: a generic called from another module runs unspecialized, and
    /// every request parses one.
    public init(parsing text: String) throws(CloakroomError) {
        try self.init(decoded: Base64URL.decode32(text))
    }

    /// Parses an ID from its 43-character base64url form, as the generic `init(parsing:)`
    /// does; for a cookie value cut out of its header.
    public init(parsing text: Substring) throws(CloakroomError) {
        try self.init(decoded: Base64URL.decode32(text))
    }

    private init(decoded storage: Bytes32?) throws(CloakroomError) {
        guard let storage else {
            throw CloakroomError(
                .invalidSessionID,
                "a session ID must be \(Self.encodedLength) base64url characters; the value given is not one"
            )
        }
        self.init(storage: storage)
    }

    init(storage: Bytes32) {
        self.storage = storage
        self.key = SessionKey(hashing: storage)
    }

    /// The 43-character base64url form, to give to the client. Treat it as a secret.
    public var encoded: String { storage.withUnsafeBytes { Base64URL.encode($0) } }

    /// Redacted: an ID must never reach a log.
    public var description: String { "SessionID(redacted)" }

    /// IDs are equal when their bytes are; the key follows from them.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage == rhs.storage
    }

    /// Hashes the ID's bytes; the key follows from them.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage)
    }
}
