#if Vapor
    import Cloakroom
    import CloakroomWeb
    import Vapor

    /// Binds `req.cloakroom` (a ``CloakroomWeb/SessionHandle``) and saves it after the handler.
    ///
    /// ```swift
    /// app.middleware.use(try CloakroomSessionMiddleware(manager: manager))
    /// app.post("login") { req async throws -> HTTPStatus in
    ///     try await req.cloakroom.login(user: "ada")
    ///     return .ok
    /// }
    /// ```
    ///
    /// The cookie holds only the session ID; every other fact stays in the store. Unknown or
    /// malformed cookies mean "no session" and create nothing; a request that changes nothing
    /// writes nothing and gets no `Set-Cookie`.
    ///
    /// It is Cloakroom's own session layer, beside Vapor's `req.session` (which the `.cloakroom`
    /// sessions driver serves). Give each its own cookie name when an app uses both.
    public struct CloakroomSessionMiddleware: AsyncMiddleware {
        /// Which client address the middleware records in new sessions.
        public struct ClientAddressSource: Sendable {
            let resolve: @Sendable (Request) -> String?

            /// The peer address of the connection. The default.
            public static var peer: Self {
                Self { $0.remoteAddress?.ipAddress }
            }

            /// The first address of `X-Forwarded-For`, falling back to the peer. Only behind a proxy
            /// that sets the header itself: otherwise any client can claim any address.
            public static var forwardedFor: Self {
                Self { request in
                    request.headers.first(name: "X-Forwarded-For").flatMap(ForwardedFor.firstAddress(inHeader:))
                        ?? request.remoteAddress?.ipAddress
                }
            }

            /// A function of your own.
            public static func custom(_ resolve: @escaping @Sendable (Request) -> String?) -> Self {
                Self(resolve: resolve)
            }
        }

        let core: SessionMiddlewareCore
        let clientAddress: ClientAddressSource

        /// Creates the middleware.
        ///
        /// - Parameters:
        ///   - manager: the session manager and its store.
        ///   - cookie: the cookie's name and attributes; the safe defaults unless weakened by name.
        ///   - clientAddress: where the client's IP address comes from (the peer, or a header set by
        ///     a proxy you trust).
        ///   - conflicts: what a request that read a key and then set it meets when another request
        ///     changed the key meanwhile; ``CloakroomWeb/SessionConflictPolicy/mergeByKey`` by default.
        /// - Throws: ``CloakroomWeb/OptionsError`` when the cookie options do not fit together.
        public init(
            manager: SessionManager,
            cookie: SessionCookieOptions = SessionCookieOptions(),
            clientAddress: ClientAddressSource = .peer,
            conflicts: SessionConflictPolicy = .mergeByKey
        ) throws {
            core = try SessionMiddlewareCore(manager: manager, cookie: cookie, conflicts: conflicts)
            self.clientAddress = clientAddress
        }

        /// Binds the session, runs the handler, saves the session and sets the cookie.
        public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            let clientAddress = clientAddress
            let handle = core.handle(
                cookieValue: CookieHeader.value(named: core.cookieName, inHeaders: request.headers[.cookie]),
                client: {
                    ClientInfo(
                        ip: clientAddress.resolve(request),
                        userAgentHeader: request.headers.first(name: .userAgent)
                    )
                }
            )
            request.storage[SessionHandleKey.self] = handle
            let response: Response
            do {
                response = try await next.respond(to: request)
            } catch {
                // The handler failed: its half-made changes are not saved, but an ID issued before
                // the failure (a login that then threw) must not live on unseen.
                await handle.endIssuedSession()
                throw error
            }
            let setCookie: SessionMiddlewareCore.SetCookie?
            do {
                setCookie = try await core.save(handle)
            } catch let error as CloakroomError where error.code == .versionConflict {
                // A stale read refused, or a session changed by too many writers at once: the
                // client can retry; it is not a server fault.
                await handle.endIssuedSession()
                throw Abort(.conflict, reason: error.message)
            }
            if let setCookie {
                response.headers.add(name: .setCookie, value: setCookie.value)
                if setCookie.forbidsCaching, !response.headers.contains(name: .cacheControl) {
                    response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
                }
            }
            return response
        }
    }
#endif
