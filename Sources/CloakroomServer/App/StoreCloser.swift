import Cloakroom
import ServiceLifecycle

/// Closes the store once graceful shutdown begins and the services after it have stopped.
struct StoreCloser: Service {
    let store: any SessionStore

    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
    }
}
