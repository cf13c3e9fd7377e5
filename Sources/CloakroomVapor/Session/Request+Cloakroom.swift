#if Vapor
    import Cloakroom
    import CloakroomWeb
    import Vapor

    extension Request {
        /// This request's Cloakroom session: typed values, sign-in with a new ID, rotation, ending,
        /// the user's other sessions and the CSRF token. ``CloakroomSessionMiddleware`` binds it;
        /// without the middleware every operation throws an error that says to add it.
        ///
        /// ```swift
        /// app.post("login") { req async throws -> HTTPStatus in
        ///     try await req.cloakroom.login(user: "ada")
        ///     return .ok
        /// }
        /// ```
        public var cloakroom: SessionHandle {
            storage[SessionHandleKey.self] ?? SessionHandle()
        }

        /// Who is asking: the peer address and user agent, as new sessions record them.
        var cloakroomClient: ClientInfo {
            ClientInfo(
                ip: remoteAddress?.ipAddress,
                userAgentHeader: headers.first(name: .userAgent)
            )
        }
    }

    enum SessionHandleKey: StorageKey {
        typealias Value = SessionHandle
    }
#endif
