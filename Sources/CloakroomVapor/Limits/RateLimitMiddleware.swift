#if Vapor
    import Cloakroom
    import CloakroomWeb
    import Vapor

    /// Limits requests per key (by default the client's address) with a bucket of a
    /// ``Cloakroom/RateLimiter``, answering `429 Too Many Requests` with `Retry-After`.
    ///
    /// The limiter's store decides the reach: a memory store limits one process, SQLite one host,
    /// PostgreSQL or Redis every instance sharing it. For login lockout per account, see
    /// ``CloakroomWeb/LoginThrottle``.
    public struct RateLimitMiddleware: AsyncMiddleware {
        let limiter: RateLimiter
        let bucket: String
        let key: @Sendable (Request) -> String?
        let whenStoreFails: LimitStoreFailurePolicy

        /// Creates the middleware.
        ///
        /// - Parameters:
        ///   - limiter: the rate limiter and its buckets.
        ///   - bucket: a bucket the limiter knows.
        ///   - whenStoreFails: whether requests pass or are refused while the limit store is down.
        ///   - key: what is limited; requests for which it returns `nil` pass unchecked. By default
        ///     the peer address.
        /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when the limiter has no
        ///   such bucket.
        public init(
            limiter: RateLimiter,
            bucket: String,
            whenStoreFails: LimitStoreFailurePolicy = .refuse,
            key: @escaping @Sendable (Request) -> String? = { $0.remoteAddress?.ipAddress }
        ) throws {
            _ = try limiter.limit(of: bucket)
            self.limiter = limiter
            self.bucket = bucket
            self.key = key
            self.whenStoreFails = whenStoreFails
        }

        /// Checks the request's key, then runs the handler.
        public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            if let key = key(request) {
                try await limiter.verdict(bucket, key: key, whenStoreFails: whenStoreFails)
                    .enforce(message: RateLimitVerdict.tooManyRequestsMessage)
            }
            return try await next.respond(to: request)
        }
    }
#endif
