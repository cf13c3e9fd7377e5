import Cloakroom
import Foundation
import Hummingbird

/// The `/v1/limits` calls: rate limits and lockouts for services in any language.
struct LimitRoutes: Sendable {
    let limiter: RateLimiter
    let bodyLimit: Int

    func register(_ group: RouterGroup<APIRequestContext>) {
        group.post("check", use: check)
        group.post("reset", use: reset)
    }

    /// `{bucket, key, cost?}` → 200 `{allowed, remaining, limit, retry_after, reset_after}`;
    /// times in seconds with microsecond precision. A refusal is an answer, not an error: 200.
    @Sendable func check(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(LimitCheckBody.self, from: request, limit: bodyLimit)
        let decision = try await limiter.check(body.bucket, key: body.key, cost: body.cost ?? 1)
        return try SessionRoutes.json(.ok, LimitDecisionJSON(decision))
    }

    /// `{bucket, key}` → 204: the key's bucket is full again (e.g. after a successful sign-in).
    @Sendable func reset(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(LimitResetBody.self, from: request, limit: bodyLimit)
        _ = try limiter.limit(of: body.bucket)
        try await limiter.reset(body.bucket, key: body.key)
        return Response(status: .noContent)
    }
}

struct LimitCheckBody: Decodable {
    var bucket: String
    var key: String
    var cost: Int?
}

struct LimitResetBody: Decodable {
    var bucket: String
    var key: String
}

struct LimitDecisionJSON: Encodable {
    var allowed: Bool
    var remaining: Int
    var limit: Int
    var retryAfter: Double
    var resetAfter: Double

    init(_ decision: RateLimitDecision) {
        allowed = decision.allowed
        remaining = decision.remaining
        limit = decision.limit
        retryAfter = decision.retryAfter.seconds
        resetAfter = decision.resetAfter.seconds
    }

    enum CodingKeys: String, CodingKey {
        case allowed, remaining, limit
        case retryAfter = "retry_after"
        case resetAfter = "reset_after"
    }
}
