import Cloakroom
import CloakroomTesting
import CloakroomTokens
import Metrics

/// A token service over a memory store and a manual clock, with recorded events.
struct TokenFixture {
    let clock = ManualClock()
    let store: any SessionStore
    let events = RecordingEventSink()
    let manager: SessionManager
    let service: TokenService

    init(
        options: TokenOptions = TokenOptions(),
        keys: SigningKeySet? = nil,
        store: any SessionStore = MemorySessionStore(),
        metrics: any MetricsFactory = MetricsSystem.factory
    ) async throws {
        self.store = store
        manager = try SessionManager(
            store: store,
            policy: SessionPolicy(idleTimeout: .seconds(3600), absoluteTimeout: .seconds(86_400)),
            clock: clock,
            events: events
        )
        let keys = try keys ?? SigningKeySet(keys: [SigningKey.generate()])
        service = await TokenService(manager: manager, keys: keys, options: options, metricsFactory: metrics)
    }

    /// A fresh session for `user` and its first token pair.
    func signIn(_ user: String = "alice", scope: String? = "read write") async throws -> (SessionID, TokenPair) {
        let issued = try await manager.create(userID: user)
        return (issued.id, try await service.issue(for: issued.id, scope: scope))
    }
}
