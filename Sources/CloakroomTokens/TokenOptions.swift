/// How ``TokenService`` issues and checks tokens. Every default is the safe choice.
public struct TokenOptions: Sendable, Hashable {
    /// How long an access token is valid (it is never valid beyond its session's absolute
    /// deadline). Default: 15 minutes.
    public var accessTokenLifetime: Duration = .seconds(15 * 60)
    /// How long after a refresh the token it replaced may be presented again without being taken
    /// for a stolen one: the same client racing itself (two tabs, a retried request) gets the same
    /// new refresh token instead of losing its session. Default: 10 seconds; zero turns it off.
    public var refreshGracePeriod: Duration = .seconds(10)
    /// The `iss` written into tokens and required of them; `nil` writes and requires none.
    public var issuer: String?
    /// The `aud` written into tokens and required of them; `nil` writes and requires none.
    public var audience: String?
    /// Leeway for clocks that disagree, applied to `nbf` and `iat` (never to `exp`). Default: 30 s.
    public var clockSkew: Duration = .seconds(30)
    /// The longest token accepted, in bytes; longer ones are refused before parsing. Default: 8 KiB.
    public var maximumTokenLength = 8 * 1024
    /// Refresh-token chains one session may hold (one per grant); the oldest is dropped beyond.
    /// Default: 8.
    public var maximumRefreshChains = 8
    /// How many spent refresh tokens per chain are remembered for reuse detection; an older one
    /// presented again is refused without ending the session. Default: 256.
    public var spentTokenMemory = 256
    /// How many access tokens per session may be revoked one by one; beyond, every token issued so
    /// far for the session is revoked (the safe side). Default: 256.
    public var maximumRevokedTokens = 256

    /// Options with every default.
    public init() {}
}
