#if Vapor
    import Cloakroom
    import Synchronization
    import ServiceLifecycle
    import Vapor

    extension Application {
        /// The app's Cloakroom set-up: the session manager the `.cloakroom` driver and
        /// ``CloakroomSessionMiddleware`` use by default, and the stores the app runs.
        public var cloakroom: Cloakroom {
            Cloakroom(application: self)
        }

        /// The app's Cloakroom set-up; see ``Vapor/Application/cloakroom``.
        public struct Cloakroom: Sendable {
            let application: Application

            final class Storage: Sendable {
                let manager = Mutex<SessionManager?>(nil)
            }

            enum Key: StorageKey, LockKey {
                typealias Value = Storage
            }

            var storage: Storage {
                application.locks.lock(for: Key.self).withLock {
                    if let existing = application.storage[Key.self] { return existing }
                    let new = Storage()
                    application.storage[Key.self] = new
                    return new
                }
            }

            /// The session manager of the app. Unless set, an in-memory store with the default
            /// policy, made on first use: sessions last as long as the process, for tests and
            /// prototypes. Set it before the app boots.
            public var manager: SessionManager {
                get {
                    storage.manager.withLock { manager in
                        if let manager { return manager }
                        // The default policy's values always fit.
                        let made = try! SessionManager(store: MemorySessionStore())
                        manager = made
                        return made
                    }
                }
                nonmutating set {
                    storage.manager.withLock { $0 = newValue }
                }
            }

            /// Runs `service` (a store, a pruner, an audit sink) for as long as the app runs: it
            /// starts when the app boots and is stopped (cancelled, which closes a store) when the app
            /// shuts down, which waits for it to finish.
            ///
            /// A PostgreSQL store connects and migrates its schema in its `run()`, so it must run
            /// this way (or in a `ServiceGroup` of your own) before it serves.
            public func run(_ service: some ServiceLifecycle.Service) {
                application.lifecycle.use(ServiceLifecycleHandler(service: service))
            }
        }
    }

    /// Runs a `Service` from boot to shutdown of a Vapor app. Shutdown cancels it, which every
    /// Cloakroom service takes as its signal to finish its work and close.
    final class ServiceLifecycleHandler<S: ServiceLifecycle.Service>: LifecycleHandler, Sendable {
        let service: S
        let task = Mutex<Task<Void, any Error>?>(nil)

        init(service: S) {
            self.service = service
        }

        func didBootAsync(_ application: Application) async throws {
            let service = service
            task.withLock { $0 = Task { try await service.run() } }
        }

        func shutdownAsync(_ application: Application) async {
            let running = task.withLock { $0 }
            running?.cancel()
            _ = await running?.result
        }
    }
#endif
