import Cloakroom

/// What every framework's session middleware does around a request, without the framework: make
/// the request's ``SessionHandle`` from the cookie, and after the handler save it and say which
/// `Set-Cookie` the response needs.
package struct SessionMiddlewareCore: Sendable {
    /// A `Set-Cookie` value for the response.
    package struct SetCookie: Sendable, Equatable {
        /// The header's value.
        package let value: String
        /// Whether the response must not be cached (it carries a session ID): add
        /// `Cache-Control: no-store` unless the handler set a policy of its own.
        package let forbidsCaching: Bool
    }

    package let manager: SessionManager
    package let cookie: SessionCookieOptions
    /// ``SessionCookieOptions/name``, worked out once rather than per request.
    package let cookieName: String
    package let conflicts: SessionConflictPolicy

    /// - Throws: ``OptionsError`` when the cookie options do not fit together.
    package init(manager: SessionManager, cookie: SessionCookieOptions, conflicts: SessionConflictPolicy)
        throws(OptionsError)
    {
        try cookie.validate()
        self.manager = manager
        self.cookie = cookie
        cookieName = cookie.name
        self.conflicts = conflicts
    }

    /// The request's handle, from the value of the session cookie the client sent.
    package func handle(cookieValue: Substring?, client: @escaping @Sendable () -> ClientInfo) -> SessionHandle {
        SessionHandle(manager: manager, cookieValue: cookieValue, conflicts: conflicts, client: client)
    }

    /// Saves what the request changed and answers the `Set-Cookie` the response needs, if any.
    ///
    /// - Throws: the store's errors; ``Cloakroom/CloakroomError/Code/versionConflict`` for a
    ///   refused stale read (answer `409`). After any error the caller ends a session issued in
    ///   the request with ``SessionHandle/endIssuedSession()``.
    package func save(_ handle: SessionHandle) async throws -> SetCookie? {
        switch try await handle.commit() {
        case .none:
            return nil
        case .set(let id, let expires, let issued):
            // A session cookie (no `Expires`) needs re-sending only when the ID is new.
            guard issued || cookie.persistent else { return nil }
            return SetCookie(value: cookie.setCookie(value: id.encoded, expires: expires), forbidsCaching: true)
        case .clear:
            return SetCookie(value: cookie.clearingCookie, forbidsCaching: false)
        }
    }
}
