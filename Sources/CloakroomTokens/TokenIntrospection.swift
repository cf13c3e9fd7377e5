/// The answer to "is this token active?", shaped as RFC 7662 §2.2 introspection responses.
///
/// An inactive token tells nothing more than `active: false` (and, for the caller's logs, a
/// ``reason`` code that names no secret).
public struct TokenIntrospection: Sendable, Hashable, Codable {
    /// Whether the token may be used now.
    public var active: Bool
    /// `access_token` or `refresh_token`, when active.
    public var tokenType: String?
    /// The session's user.
    public var sub: String?
    /// The session's key.
    public var sid: String?
    /// The granted scope.
    public var scope: String?
    /// Expiry, in seconds since 1970.
    public var exp: Int64?
    /// Issue time, in seconds since 1970.
    public var iat: Int64?
    /// The token's ID.
    public var jti: String?
    /// The issuer.
    public var iss: String?
    /// The audience.
    public var aud: [String]?
    /// Why an inactive token is inactive (a ``TokenError/Code`` raw value); absent when active.
    public var reason: String?

    /// An inactive answer.
    public static func inactive(_ code: TokenError.Code) -> TokenIntrospection {
        TokenIntrospection(active: false, reason: code.rawValue)
    }

    init(
        active: Bool,
        tokenType: String? = nil,
        sub: String? = nil,
        sid: String? = nil,
        scope: String? = nil,
        exp: Int64? = nil,
        iat: Int64? = nil,
        jti: String? = nil,
        iss: String? = nil,
        aud: [String]? = nil,
        reason: String? = nil
    ) {
        self.active = active
        self.tokenType = tokenType
        self.sub = sub
        self.sid = sid
        self.scope = scope
        self.exp = exp
        self.iat = iat
        self.jti = jti
        self.iss = iss
        self.aud = aud
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case active, sub, sid, scope, exp, iat, jti, iss, aud, reason
        case tokenType = "token_type"
    }
}
