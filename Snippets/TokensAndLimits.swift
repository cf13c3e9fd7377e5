// The code of the "Tokens and limits" article (CloakroomTokens' catalogue), compiled by every
// build and shown in the article slice by slice. Compiled, not run.
// snippet.hide
import Cloakroom
import CloakroomTokens

let manager = try SessionManager(store: MemorySessionStore())
let sessionID = try await manager.create(userID: "alice").id
let limiter = try RateLimiter(store: MemoryLimitStore(), buckets: ["login": RateLimit(parsing: "5/1m")])

enum LoginAnswer {
    case tooManyRequests(retryAfter: Int)
    case signedIn
}

func tokens(bearerToken: String, refreshTokenText: String) async throws {
    // snippet.show
    // snippet.tokens
    let keys = try SigningKeySet.loadOrCreate(path: "./data/jwt-keys.json").keys
    let tokens = await TokenService(manager: manager, keys: keys)

    let pair = try await tokens.issue(for: sessionID, scope: "read write")
    // Hand pair.accessToken and pair.refreshToken.encoded to the client.

    let verified = try await tokens.verify(bearerToken)  // throws TokenError saying why not
    let next = try await tokens.refresh(refreshTokenText)  // a new pair; the old refresh token is spent
    // snippet.end
    // snippet.hide
    _ = (pair, verified, next)
}

func logIn(userName: String, passwordIsRight: Bool) async throws -> LoginAnswer {
    // snippet.show
    // snippet.limits
    let decision = try await limiter.check("login", key: userName)
    guard decision.allowed else { return .tooManyRequests(retryAfter: decision.retryAfterSeconds) }
    if passwordIsRight { try await limiter.reset("login", key: userName) }
    // snippet.end
    // snippet.hide
    return .signedIn
}
