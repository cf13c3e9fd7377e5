/// Why a token was refused.
///
/// Callers switch on ``code``; people read ``message``. A message never quotes the token.
public struct TokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, as a stable value to switch on.
    ///
    /// A struct rather than an enum so that new codes can be added without breaking callers'
    /// `switch` statements: switch with a `default` case.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case malformed
            case algorithmMismatch
            case unknownKey
            case badSignature
            case expired
            case notYetValid
            case wrongIssuer
            case wrongAudience
            case revoked
            case sessionEnded
            case invalidRefreshToken
            case refreshTokenReused
            case invalidScope
        }

        let base: Base

        /// Not a compact JWS / refresh token: wrong shape, bad base64url, bad JSON, too long.
        public static let malformed = Code(base: .malformed)
        /// The header names an algorithm other than the one of the key it names (`none`, `HS256`…).
        public static let algorithmMismatch = Code(base: .algorithmMismatch)
        /// The header names a key this service does not have.
        public static let unknownKey = Code(base: .unknownKey)
        /// The signature does not match the header and payload.
        public static let badSignature = Code(base: .badSignature)
        /// Past its `exp`.
        public static let expired = Code(base: .expired)
        /// Before its `nbf`, or issued in the future.
        public static let notYetValid = Code(base: .notYetValid)
        /// `iss` is not this service's issuer.
        public static let wrongIssuer = Code(base: .wrongIssuer)
        /// `aud` does not name this service's audience.
        public static let wrongAudience = Code(base: .wrongAudience)
        /// The token's `jti` was revoked.
        public static let revoked = Code(base: .revoked)
        /// The session the token is bound to has ended.
        public static let sessionEnded = Code(base: .sessionEnded)
        /// The refresh token is not one this service issued, or it no longer can be used.
        public static let invalidRefreshToken = Code(base: .invalidRefreshToken)
        /// An already used refresh token was presented again; its session has been ended.
        public static let refreshTokenReused = Code(base: .refreshTokenReused)
        /// The requested scope is not a list of scope tokens.
        public static let invalidScope = Code(base: .invalidScope)

        /// The code as a stable string, e.g. `expired` (metrics labels, introspection reasons).
        public var rawValue: String { base.rawValue }

        /// The code as a stable string, e.g. `expired`.
        public var description: String { base.rawValue }
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
