/// Too many requests: the integrations answer `429 Too Many Requests` with `Retry-After`.
///
/// Thrown by ``LoginThrottle/attempt(account:)`` and the rate-limit middlewares; each framework
/// integration turns it into its own response.
public struct RateLimitRefusal: Error, Sendable, CustomStringConvertible {
    /// The HTTP status: `429 Too Many Requests`.
    public static let statusCode = 429

    /// Whole seconds to wait before trying again (at least 1): the `Retry-After` value.
    public let retryAfterSeconds: Int
    /// What the client is told.
    public let message: String

    /// Creates the refusal.
    public init(retryAfterSeconds: Int, message: String) {
        self.retryAfterSeconds = retryAfterSeconds
        self.message = message
    }

    /// The message and the wait.
    public var description: String { "\(message) (retry after \(retryAfterSeconds) s)" }
}

/// The limit store cannot answer and ``LimitStoreFailurePolicy/refuse`` applies: the
/// integrations answer `503 Service Unavailable`.
public struct LimitStoreUnavailable: Error, Sendable, CustomStringConvertible {
    /// The HTTP status: `503 Service Unavailable`.
    public static let statusCode = 503

    /// Creates the error.
    public init() {}

    /// What the client is told: ``RateLimitVerdict/unavailableMessage``.
    public var description: String { RateLimitVerdict.unavailableMessage }
}

extension RateLimitVerdict {
    /// Returns when the request may go ahead; otherwise throws what the web answer is.
    ///
    /// - Parameter message: the text of a `429` answer.
    /// - Throws: ``RateLimitRefusal`` or ``LimitStoreUnavailable``.
    public func enforce(message: String) throws {
        switch self {
        case .pass: return
        case .refused(let seconds): throw RateLimitRefusal(retryAfterSeconds: seconds, message: message)
        case .unavailable: throw LimitStoreUnavailable()
        }
    }
}
