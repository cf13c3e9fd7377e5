#if Vapor
    import Cloakroom
    import Vapor

    extension Application.Sessions.Provider {
        /// Cloakroom sessions on the app's ``Vapor/Application/Cloakroom/manager``: by default an
        /// in-memory store, for tests and prototypes (sessions last as long as the process), where
        /// `.memory` works today.
        ///
        /// ```swift
        /// app.sessions.use(.cloakroom)
        /// app.middleware.use(app.sessions.cloakroomMiddleware)  // or Vapor's app.sessions.middleware
        /// ```
        ///
        /// Only the driver changes: the cookie stays what `app.sessions.configuration` says. For the
        /// safe cookie, set it too: `app.sessions.configuration = .cloakroom()`.
        public static var cloakroom: Self {
            .init { app in
                app.sessions.use { app in CloakroomSessionDriver(manager: app.cloakroom.manager) }
            }
        }

        /// Cloakroom sessions through `manager`, on whatever store or composition it was given.
        ///
        /// The app does not run the store; a store with background work of its own (PostgreSQL)
        /// must run for as long as the app does: ``Vapor/Application/Cloakroom/run(_:)``.
        public static func cloakroom(_ manager: SessionManager) -> Self {
            .init { app in
                app.cloakroom.manager = manager
                app.sessions.use { app in CloakroomSessionDriver(manager: app.cloakroom.manager) }
            }
        }

        /// Cloakroom sessions in `store` under `policy`; the app runs the store (starts it when it
        /// boots, closes it when it shuts down).
        ///
        /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when the policy's values
        ///   do not fit.
        public static func cloakroom(store: any SessionStore, policy: SessionPolicy = SessionPolicy()) throws -> Self {
            let manager = try SessionManager(store: store, policy: policy)
            return .init { app in
                app.cloakroom.run(store)
                app.cloakroom.manager = manager
                app.sessions.use { app in CloakroomSessionDriver(manager: app.cloakroom.manager) }
            }
        }
    }
#endif
