import JWTKit

/// The claims of a Cloakroom access token.
///
/// Times are whole seconds since 1970 (JWT NumericDate). `sid` is the session's key in hex (the
/// SHA-256 of the session ID), never the ID itself: a token lets no one resume the session.
public struct AccessTokenClaims: JWTPayload, Hashable {
    /// The session's user; absent for anonymous sessions.
    public var sub: String?
    /// The session's key, 64 lowercase hex characters.
    public var sid: String
    /// Space-separated scope tokens, when any were granted.
    public var scope: String?
    /// A random ID for this token, for revoking it alone.
    public var jti: String
    /// When the token was issued.
    public var iat: Int64
    /// When the token expires.
    public var exp: Int64
    /// Not valid before this time, when present.
    public var nbf: Int64?
    /// The issuer, when the service has one.
    public var iss: String?
    /// The audience, when the service has one (a string or an array of strings in JSON).
    public var aud: [String]?

    /// Creates claims.
    public init(
        sub: String?,
        sid: String,
        scope: String?,
        jti: String,
        iat: Int64,
        exp: Int64,
        nbf: Int64? = nil,
        iss: String? = nil,
        aud: [String]? = nil
    ) {
        self.sub = sub
        self.sid = sid
        self.scope = scope
        self.jti = jti
        self.iat = iat
        self.exp = exp
        self.nbf = nbf
        self.iss = iss
        self.aud = aud
    }

    enum CodingKeys: String, CodingKey {
        case sub, sid, scope, jti, iat, exp, nbf, iss, aud
    }

    /// Decodes claims; `aud` may be one string or an array.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sub = try container.decodeIfPresent(String.self, forKey: .sub)
        sid = try container.decode(String.self, forKey: .sid)
        scope = try container.decodeIfPresent(String.self, forKey: .scope)
        jti = try container.decode(String.self, forKey: .jti)
        iat = try container.decode(Int64.self, forKey: .iat)
        exp = try container.decode(Int64.self, forKey: .exp)
        nbf = try container.decodeIfPresent(Int64.self, forKey: .nbf)
        iss = try container.decodeIfPresent(String.self, forKey: .iss)
        if let single = try? container.decodeIfPresent(String.self, forKey: .aud) {
            aud = [single]
        } else {
            aud = try container.decodeIfPresent([String].self, forKey: .aud)
        }
    }

    /// Encodes claims; a single audience is written as a string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(sub, forKey: .sub)
        try container.encode(sid, forKey: .sid)
        try container.encodeIfPresent(scope, forKey: .scope)
        try container.encode(jti, forKey: .jti)
        try container.encode(iat, forKey: .iat)
        try container.encode(exp, forKey: .exp)
        try container.encodeIfPresent(nbf, forKey: .nbf)
        try container.encodeIfPresent(iss, forKey: .iss)
        if let aud, aud.count == 1 {
            try container.encode(aud[0], forKey: .aud)
        } else {
            try container.encodeIfPresent(aud, forKey: .aud)
        }
    }

    /// Does nothing: times, issuer, audience and the session are checked by ``TokenService`` with
    /// its own clock, after the signature.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
