import Cloakroom
import Crypto

/// A refresh token: opaque to clients, `crt_` followed by 86 base64url characters that encode the
/// session's key (so the token finds its session in any store) and a 256-bit secret.
///
/// Stores keep only the SHA-256 of the secret. The key is no secret (access tokens carry it as
/// `sid`); without the secret it lets no one refresh.
public struct RefreshToken: Sendable, Hashable, CustomStringConvertible {
    /// What every refresh token starts with, so that secret scanners can recognise one.
    public static let prefix = "crt_"
    /// Bytes of the secret.
    public static let secretByteCount = 32
    /// Characters in an encoded token.
    public static let encodedLength = prefix.utf8.count + 86

    /// The session the token refreshes.
    public let sessionKey: SessionKey
    /// The random secret.
    let secret: [UInt8]

    init(sessionKey: SessionKey, secret: [UInt8]) {
        self.sessionKey = sessionKey
        self.secret = secret
    }

    /// A fresh secret from the system's CSPRNG.
    static func newSecret() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// Parses a token; `nil` for anything not of the exact form.
    public init?(parsing text: some StringProtocol) {
        guard text.utf8.count == Self.encodedLength, text.hasPrefix(Self.prefix),
            let bytes = Base64URL.decode(text.dropFirst(Self.prefix.count), expectedByteCount: 64),
            let key = SessionKey(bytes: bytes[0..<32])
        else { return nil }
        self.sessionKey = key
        self.secret = Array(bytes[32..<64])
    }

    /// Whether the text looks like a refresh token rather than a JWT (by its prefix only).
    public static func looksLikeOne(_ text: some StringProtocol) -> Bool { text.hasPrefix(prefix) }

    /// The token to hand to the client. Treat it as a secret.
    public var encoded: String { Self.prefix + Base64URL.encode(sessionKey.bytes + secret) }

    /// Redacted: a token must never reach a log.
    public var description: String { "RefreshToken(redacted)" }
}
