#if Vapor
    import Foundation
    import Vapor

    extension Application.Sessions {
        /// Vapor's `SessionsMiddleware` for the app's driver and cookie, sending the session cookie
        /// only when it tells the client something new; see ``CloakroomSessionsMiddleware``.
        ///
        /// ```swift
        /// app.sessions.use(.cloakroom)
        /// app.sessions.configuration = try .cloakroom()
        /// app.middleware.use(app.sessions.cloakroomMiddleware)
        /// ```
        public var cloakroomMiddleware: CloakroomSessionsMiddleware {
            CloakroomSessionsMiddleware(driver: driver, configuration: configuration)
        }
    }

    /// Vapor's `SessionsMiddleware`, for `req.session` on the `.cloakroom` driver, without the cookie
    /// it re-sends on every request.
    ///
    /// Vapor's middleware sets the session cookie on every response to a request that has a
    /// session, even when nothing changed; a browser then stores the same cookie again, and a
    /// shared cache may keep a response that names a session. With the ``CloakroomSessionDriver``
    /// this middleware sends the cookie only when it says something new:
    /// - a new ID (a new session, a sign-in, a sign-out that kept data): always, with
    ///   `Cache-Control: no-store` unless the handler chose a caching policy itself;
    /// - the same ID with a moved idle deadline (a write, or a touch after the policy's touch
    ///   interval): only when the cookie has an expiry to move;
    /// - nothing changed, nothing stored (a visitor who only looked at `req.session`): no cookie;
    /// - an ended session: a cookie that clears it, made by the configured cookie factory so it keeps
    ///   the cookie's `Path`, `Domain` and `Secure` (a browser ignores a clearing `__Host-` cookie
    ///   without them, as Vapor's `.expired` value is).
    ///
    /// With any other driver it behaves exactly as Vapor's `SessionsMiddleware`.
    public struct CloakroomSessionsMiddleware: AsyncMiddleware {
        let sessions: SessionsMiddleware
        let configuration: SessionsConfiguration

        /// The middleware for `driver` with the cookie of `configuration`; usually
        /// `app.sessions.cloakroomMiddleware`, which passes the app's.
        public init(driver: any SessionDriver, configuration: SessionsConfiguration = .default()) {
            sessions = SessionsMiddleware(session: driver, configuration: configuration)
            self.configuration = configuration
        }

        /// Runs Vapor's middleware around the handler and keeps its session cookie only when the
        /// driver says the client needs it.
        public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            let response = try await sessions.respond(to: request, chainingTo: next).get()
            let name = configuration.cookieName
            guard let need = request.storage[CookieNeedKey.self], let sent = response.cookies[name] else {
                return response
            }
            switch need {
            case .unchanged:
                response.cookies[name] = nil
            case .newExpiry:
                if sent.expires == nil, sent.maxAge == nil { response.cookies[name] = nil }
            case .newID:
                if !response.headers.contains(name: .cacheControl) {
                    response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
                }
            case .clear:
                var clearing = configuration.cookieFactory(SessionID(string: ""))
                clearing.string = ""
                clearing.expires = Date(timeIntervalSince1970: 0)
                clearing.maxAge = 0
                response.cookies[name] = clearing
            }
            return response
        }
    }
#endif
