import Foundation

extension Session {
    /// Whether a user signed in (or signed in again) within `window` before `now`.
    ///
    /// Sensitive actions (changing a password or an e-mail address, paying, deleting an account)
    /// should ask for this and send the user to sign in again when it is `false` (OWASP ASVS
    /// 7.5.1, 7.5.3). A sign-in is recorded by ``SessionManager/create(userID:data:client:)`` with
    /// a user and by ``SessionManager/rotate(_:signingIn:client:changes:)`` with `signingIn`
    /// (the same user again for a re-authentication); anonymous sessions were never
    /// authenticated.
    public func isRecentlyAuthenticated(within window: Duration, now: Date) -> Bool {
        guard header.userID != nil, let authenticatedAt = header.metadata.authenticatedAt else { return false }
        return now.timeIntervalSince(authenticatedAt) <= window.seconds
    }
}
