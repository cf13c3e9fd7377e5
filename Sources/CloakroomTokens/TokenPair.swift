import Cloakroom

/// What a grant or a refresh hands to the client.
public struct TokenPair: Sendable {
    /// The signed access token (a JWT).
    public var accessToken: String
    /// The refresh token to use next; single use. Treat it as a secret.
    public var refreshToken: RefreshToken
    /// The access token's claims.
    public var claims: AccessTokenClaims
    /// Seconds until the access token expires.
    public var expiresIn: Int
}

/// An access token that passed every check, with the session it is bound to.
public struct VerifiedAccessToken: Sendable {
    /// The token's claims.
    public var claims: AccessTokenClaims
    /// The key of the live session the token is bound to.
    public var sessionKey: SessionKey
}
