import Cloakroom
import Foundation

/// Login lockout, framework-neutral: a bucket of sign-in attempts per account.
///
/// Each framework integration's login throttle wraps this and turns a refusal into its own
/// `429`. Accounts are limited, not addresses, so spreading guesses over many addresses does not
/// help an attacker; case and surrounding spaces do not make a new account to guess against.
public struct LoginAttempts: Sendable {
    /// The limiter whose bucket counts attempts.
    public let limiter: RateLimiter
    /// The bucket, e.g. `login` for `login=5/1m`.
    public let bucket: String
    /// Whether attempts pass or are refused while the limit store is down.
    public let whenStoreFails: LimitStoreFailurePolicy

    /// The text of the `429` answer.
    public static let refusalMessage = "too many sign-in attempts for this account; wait before trying again"

    /// Creates the attempt counter over `bucket` of `limiter`.
    ///
    /// - Parameters:
    ///   - limiter: the rate limiter and its buckets.
    ///   - bucket: a bucket the limiter knows.
    ///   - whenStoreFails: whether attempts pass or are refused while the limit store is down.
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

    /// Counts an attempt to sign in to `account` and says whether it may go ahead.
    public func attempt(account: String) async throws -> RateLimitVerdict {
        try await limiter.verdict(bucket, key: Self.normalized(account), whenStoreFails: whenStoreFails)
    }

    /// Forgets the account's attempts after a successful sign-in.
    public func succeeded(account: String) async throws {
        try await limiter.reset(bucket, key: Self.normalized(account))
    }

    /// The limiter key of an account: trimmed, lowercased, and no longer than a key may be.
    public static func normalized(_ account: String) -> String {
        String(account.trimmingCharacters(in: .whitespaces).lowercased().prefix(RateLimiter.maximumKeyLength))
    }
}
