#if Vapor
    import CloakroomWeb
    import Vapor

    extension ReauthenticationRequired: AbortError {
        /// `401 Unauthorized`.
        public var status: HTTPResponseStatus { .unauthorized }
        /// What went wrong and what to do.
        public var reason: String { description }
        /// The code in `WWW-Authenticate`, and `Cache-Control: no-store`.
        public var headers: HTTPHeaders { ["WWW-Authenticate": wwwAuthenticate, "Cache-Control": "no-store"] }
    }

    extension RateLimitRefusal: AbortError {
        /// `429 Too Many Requests`.
        public var status: HTTPResponseStatus { .tooManyRequests }
        /// The message.
        public var reason: String { message }
        /// `Retry-After` in whole seconds, and `Cache-Control: no-store`.
        public var headers: HTTPHeaders { ["Retry-After": String(retryAfterSeconds), "Cache-Control": "no-store"] }
    }

    extension LimitStoreUnavailable: AbortError {
        /// `503 Service Unavailable`.
        public var status: HTTPResponseStatus { .serviceUnavailable }
        /// ``CloakroomWeb/RateLimitVerdict/unavailableMessage``.
        public var reason: String { description }
    }
#endif
