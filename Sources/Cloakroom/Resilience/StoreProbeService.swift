import Logging
import ServiceLifecycle

/// Calls a composition's ``ComposedSessionStore/probe()`` at a steady pace, as a background
/// `Service`: a bypassed store is checked and taken back, and the changes it missed are applied,
/// even when no request comes along to try it.
public struct StoreProbeService: Service {
    let store: any ComposedSessionStore
    /// The pause between two probes.
    public let interval: Duration

    /// Creates a probe service for `store`, probing every `interval` (default 500 ms).
    public init(store: any ComposedSessionStore, interval: Duration = .milliseconds(500)) {
        self.store = store
        self.interval = interval
    }

    /// Probes until graceful shutdown or cancellation.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await store.probe()
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }
}
