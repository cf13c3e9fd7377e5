#if Vapor
    import Cloakroom
    import CloakroomWeb
    import Foundation
    import Vapor

    extension SessionsConfiguration {
        /// Vapor's session cookie with Cloakroom's safe defaults: the `__Host-session` name,
        /// `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/`, and an expiry that follows the session's
        /// idle timeout (the cookie is re-sent whenever a write or a touch moves the idle deadline).
        ///
        /// ```swift
        /// app.sessions.use(.cloakroom)
        /// app.sessions.configuration = try .cloakroom()
        /// ```
        ///
        /// Weakening needs an option named for what it gives up, as in ``CloakroomWeb/SessionCookieOptions``
        /// (`allowsInsecureTransport` for local development over plain HTTP, say).
        ///
        /// - Parameters:
        ///   - cookie: the cookie's name and attributes; the safe defaults unless weakened by name.
        ///   - policy: the session policy whose idle timeout a persistent cookie's expiry follows.
        /// - Throws: ``CloakroomWeb/OptionsError`` when the cookie options do not fit together.
        public static func cloakroom(
            cookie: SessionCookieOptions = SessionCookieOptions(),
            policy: SessionPolicy = SessionPolicy()
        ) throws(OptionsError) -> SessionsConfiguration {
            try cookie.validate()
            let lifetime = policy.idleTimeout.seconds
            let sameSite: HTTPCookies.SameSitePolicy =
                switch cookie.sameSite {
                case .lax: .lax
                case .strict: .strict
                case .none: .none
                }
            return SessionsConfiguration(cookieName: cookie.name) { id in
                HTTPCookies.Value(
                    string: id.string,
                    expires: cookie.persistent ? Date(timeIntervalSinceNow: lifetime) : nil,
                    maxAge: nil,
                    domain: cookie.domain,
                    path: "/",
                    isSecure: !cookie.allowsInsecureTransport,
                    isHTTPOnly: true,
                    sameSite: sameSite
                )
            }
        }
    }
#endif
