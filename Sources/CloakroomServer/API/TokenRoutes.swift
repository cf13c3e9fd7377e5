import Cloakroom
import CloakroomTokens
import Foundation
import Hummingbird

/// The `/v1/tokens` calls and the JWKS.
struct TokenRoutes: Sendable {
    let tokens: TokenService
    let bodyLimit: Int

    func register(_ group: RouterGroup<APIRequestContext>) {
        group.post(use: grant)
        group.post("refresh", use: refresh)
        group.post("introspect", use: introspect)
        group.post("revoke", use: revoke)
    }

    @Sendable func grant(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(GrantBody.self, from: request, limit: bodyLimit)
        let id = try SessionID(parsing: body.id)
        return try SessionRoutes.json(.ok, TokenPairJSON(try await tokens.issue(for: id, scope: body.scope)))
    }

    @Sendable func refresh(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(RefreshBody.self, from: request, limit: bodyLimit)
        return try SessionRoutes.json(.ok, TokenPairJSON(try await tokens.refresh(body.refreshToken)))
    }

    @Sendable func introspect(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(TokenBody.self, from: request, limit: bodyLimit)
        return try SessionRoutes.json(.ok, try await tokens.introspect(body.token))
    }

    @Sendable func revoke(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(TokenBody.self, from: request, limit: bodyLimit)
        return try SessionRoutes.json(.ok, RevokedJSON(revoked: try await tokens.revoke(body.token)))
    }

    /// `GET /.well-known/jwks.json`: public, cacheable for five minutes (a rotated-in key is
    /// published before it signs only if it is added that long ahead; see the article).
    static func jwks(_ keys: SigningKeySet) -> @Sendable (Request, APIRequestContext) async throws -> Response {
        let published = keys.jwks
        return { _, _ in
            try SessionRoutes.json(
                .ok,
                published,
                contentType: "application/jwk-set+json",
                cacheControl: "public, max-age=300"
            )
        }
    }
}

/// `POST /v1/tokens`.
struct GrantBody: Decodable {
    var id: String
    var scope: String?
}

/// `POST /v1/tokens/refresh`.
struct RefreshBody: Decodable {
    var refreshToken: String

    enum CodingKeys: String, CodingKey {
        case refreshToken = "refresh_token"
    }
}

/// `POST /v1/tokens/introspect` and `/revoke`.
struct TokenBody: Decodable {
    var token: String
}

/// A token pair as the API answers it (RFC 6749 §5.1 names).
struct TokenPairJSON: Encodable {
    var accessToken: String
    var refreshToken: String
    var tokenType = "Bearer"
    var expiresIn: Int
    var scope: String?

    init(_ pair: TokenPair) {
        accessToken = pair.accessToken
        refreshToken = pair.refreshToken.encoded
        expiresIn = pair.expiresIn
        scope = pair.claims.scope
    }

    enum CodingKeys: String, CodingKey {
        case scope
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
    }
}

struct RevokedJSON: Encodable {
    var revoked: Bool
}
