import ServiceLifecycle

extension SessionStore {
    /// Waits for graceful shutdown or cancellation, then closes the store: what a store with no
    /// background work of its own does as a `Service`.
    ///
    /// Stores that keep connections or migrate a schema (PostgreSQL) do that work here instead.
    /// Add the store to your `ServiceGroup` before the services that use it, so that it stops
    /// after them.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Runs the store (``run()``) while `body` uses it, then stops and closes it: for tools,
    /// scripts and tests that do not run a `ServiceGroup`.
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws, or what ``run()`` throws when the store cannot run.
    public func withRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { try await self.run() }
            do {
                let result = try await body()
                group.cancelAll()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}
