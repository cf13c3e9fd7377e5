/// Why a token was refused.
///
/// Callers switch on ``code``; people read ``message``. A message never quotes the token.
public struct TokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, as a stable value to switch on.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Not a compact JWS / refresh token: wrong shape, bad base64url, bad JSON, too long.
        case malformed
        /// The header names an algorithm other than the one of the key it names (`none`, `HS256`…).
        case algorithmMismatch
        /// The header names a key this service does not have.
        case unknownKey
        /// The signature does not match the header and payload.
        case badSignature
        /// Past its `exp`.
        case expired
        /// Before its `nbf`, or issued in the future.
        case notYetValid
        /// `iss` is not this service's issuer.
        case wrongIssuer
        /// `aud` does not name this service's audience.
        case wrongAudience
        /// The token's `jti` was revoked.
        case revoked
        /// The session the token is bound to has ended.
        case sessionEnded
        /// The refresh token is not one this service issued, or it no longer can be used.
        case invalidRefreshToken
        /// An already used refresh token was presented again; its session has been ended.
        case refreshTokenReused
        /// The requested scope is not a list of scope tokens.
        case invalidScope
    }

    /// What was wrong.
    public var code: Code
    /// What was wrong and what to do; never holds a token.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
