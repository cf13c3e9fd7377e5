import Cloakroom
import Hummingbird

/// What a limiter does when its store cannot answer.
public enum LimitStoreFailurePolicy: Sendable, Hashable {
    /// Answer `503 Service Unavailable`: nothing passes unchecked. The default.
    case refuse
    /// Let the request through unchecked, keeping the site up while the store is down.
    case allow
}

/// The `429 Too Many Requests` answer, with `Retry-After` in whole seconds (rounded up).
struct RateLimitRefusal: HTTPResponseError {
    let decision: RateLimitDecision
    let message: String

    var status: HTTPResponse.Status { .tooManyRequests }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.retryAfter] = String(max(1, decision.retryAfterSeconds))
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}

extension RateLimiter {
    /// Checks `key` against `bucket`, turning a refusal into ``RateLimitRefusal`` and a store
    /// failure into what `policy` says.
    func enforce(
        _ bucket: String,
        key: String,
        policy: LimitStoreFailurePolicy,
        message: String
    ) async throws {
        let decision: RateLimitDecision
        do {
            decision = try await check(bucket, key: key)
        } catch let error as CloakroomError where error.code == .storeUnavailable {
            if policy == .allow { return }
            throw HTTPError(.serviceUnavailable, message: "rate limits cannot be checked right now; try again shortly")
        }
        if !decision.allowed { throw RateLimitRefusal(decision: decision, message: message) }
    }
}
