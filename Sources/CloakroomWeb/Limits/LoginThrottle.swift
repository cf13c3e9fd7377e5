import Cloakroom
import Foundation

/// Login lockout: a bucket of sign-in attempts per account (see ``LoginAttempts``).
///
/// Call ``attempt(account:)`` before checking a password: it counts the attempt and throws
/// ``RateLimitRefusal`` (`429 Too Many Requests` with `Retry-After` in every integration) once
/// the bucket is empty. With the bucket `login=5/1m`, the sixth attempt within a minute is
/// refused whatever the password. Call ``succeeded(account:)`` after a correct password to give
/// the account its full bucket back.
///
/// Accounts are limited, not addresses, so spreading guesses over many addresses does not help
/// an attacker; pair it with the integration's rate-limit middleware per address against
/// password spraying.
public struct LoginThrottle: Sendable {
    let attempts: LoginAttempts

    /// Creates a throttle over `bucket` of `limiter`.
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
        attempts = try LoginAttempts(limiter: limiter, bucket: bucket, whenStoreFails: whenStoreFails)
    }

    /// Counts an attempt to sign in to `account`; throws ``RateLimitRefusal`` (`429`) when there
    /// were too many, ``LimitStoreUnavailable`` (`503`) when the store is down and the policy
    /// refuses.
    public func attempt(account: String) async throws {
        try await attempts.attempt(account: account).enforce(message: LoginAttempts.refusalMessage)
    }

    /// Counts an attempt like ``attempt(account:)`` but answers instead of throwing: `nil` when
    /// the attempt may go ahead, else the whole seconds to wait. For pages that show the refusal
    /// in their own form.
    public func admit(account: String) async throws -> Int? {
        let verdict = try await attempts.attempt(account: account)
        if case .refused(let seconds) = verdict { return seconds }
        try verdict.enforce(message: LoginAttempts.refusalMessage)
        return nil
    }

    /// Forgets the account's attempts after a successful sign-in.
    public func succeeded(account: String) async throws {
        try await attempts.succeeded(account: account)
    }
}
