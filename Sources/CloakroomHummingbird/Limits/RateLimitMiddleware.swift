import Cloakroom
import CloakroomWeb
import Hummingbird

/// Limits requests per key (by default the client's address) with a bucket of a
/// ``Cloakroom/RateLimiter``, answering `429 Too Many Requests` with `Retry-After`.
///
/// The limiter's store decides the reach: a memory store limits one process, SQLite one host,
/// PostgreSQL or Redis every instance sharing it.
public struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    let bucket: String
    let key: @Sendable (Request, Context) -> String?
    let whenStoreFails: LimitStoreFailurePolicy

    /// Creates the middleware.
    ///
    /// - Parameters:
    ///   - limiter: the rate limiter and its buckets.
    ///   - bucket: a bucket the limiter knows.
    ///   - key: what is limited; requests for which it returns `nil` pass unchecked. By default
    ///     the peer address, when the context knows it.
    ///   - whenStoreFails: whether requests pass or are refused while the limit store is down.
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when the limiter has no
    ///   such bucket.
    public init(
        limiter: RateLimiter,
        bucket: String,
        whenStoreFails: LimitStoreFailurePolicy = .refuse,
        key: @escaping @Sendable (Request, Context) -> String? = peerAddress
    ) throws {
        _ = try limiter.limit(of: bucket)
        self.limiter = limiter
        self.bucket = bucket
        self.key = key
        self.whenStoreFails = whenStoreFails
    }

    /// The default key: the peer address, when the context knows it.
    @usableFromInline static var peerAddress: @Sendable (Request, Context) -> String? {
        let read = PeerAddress.reader(for: Context.self)
        return { _, context in read(context) }
    }

    /// Checks the request's key, then runs the handler.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let key = key(request, context) {
            try await limiter.verdict(bucket, key: key, whenStoreFails: whenStoreFails)
                .enforce(message: RateLimitVerdict.tooManyRequestsMessage)
        }
        return try await next(request, context)
    }
}
