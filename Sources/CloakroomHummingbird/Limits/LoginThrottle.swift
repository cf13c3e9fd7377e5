import Cloakroom
import Foundation

/// Login lockout: a bucket of sign-in attempts per account.
///
/// Call ``attempt(account:)`` before checking a password: it counts the attempt and throws
/// `429 Too Many Requests` (with `Retry-After`) once the bucket is empty. With the bucket
/// `login=5/1m`, the sixth attempt within a minute is refused whatever the password. Call
/// ``succeeded(account:)`` after a correct password to give the account its full bucket back.
///
/// Accounts are limited, not addresses, so spreading guesses over many addresses does not help
/// an attacker; pair it with a ``RateLimitMiddleware`` per address against password spraying.
public struct LoginThrottle: Sendable {
    let limiter: RateLimiter
    let bucket: String
    let whenStoreFails: LimitStoreFailurePolicy

    /// Creates a throttle over `bucket` of `limiter`.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when the limiter has no
    ///   such bucket.
    public init(limiter: RateLimiter, bucket: String = "login", whenStoreFails: LimitStoreFailurePolicy = .refuse)
        throws
    {
        _ = try limiter.limit(of: bucket)
        self.limiter = limiter
        self.bucket = bucket
        self.whenStoreFails = whenStoreFails
    }

    /// Counts an attempt to sign in to `account`; throws `429` when there were too many.
    public func attempt(account: String) async throws {
        try await limiter.enforce(
            bucket,
            key: Self.normalized(account),
            policy: whenStoreFails,
            message: "too many sign-in attempts for this account; wait before trying again"
        )
    }

    /// Counts an attempt like ``attempt(account:)`` but answers instead of throwing: `nil` when
    /// the attempt may go ahead, else the whole seconds to wait. For pages that show the refusal
    /// in their own form.
    public func admit(account: String) async throws -> Int? {
        do {
            try await attempt(account: account)
            return nil
        } catch let refusal as RateLimitRefusal {
            return max(1, refusal.decision.retryAfterSeconds)
        }
    }

    /// Forgets the account's attempts after a successful sign-in.
    public func succeeded(account: String) async throws {
        try await limiter.reset(bucket, key: Self.normalized(account))
    }

    /// Case and surrounding spaces do not make a new account to guess against.
    static func normalized(_ account: String) -> String {
        String(account.trimmingCharacters(in: .whitespaces).lowercased().prefix(RateLimiter.maximumKeyLength))
    }
}
