import Foundation

/// A store made of other stores (``ReplicatedSessionStore``, ``FallbackSessionStore``), which can
/// be partly down without being down: health, headers and probes need to see inside it.
public protocol ComposedSessionStore: SessionStore {
    /// The composition's health and that of every store in it, in order, with its role: each
    /// store is asked once.
    func healthReport() async -> CompositionHealth

    /// The names of the stores the composition is bypassing right now; empty when it serves as
    /// designed. Cheap (no I/O), so it can be read on every response.
    var bypassedStores: [String] { get }

    /// Checks stores that are being bypassed and applies the changes they missed; a
    /// ``StoreProbeService`` calls it periodically so that traffic moves back by itself.
    func probe() async
}

extension ComposedSessionStore {
    /// Whether the composition is serving without one of its stores.
    public var isDegraded: Bool { !bypassedStores.isEmpty }

    /// The health of every store in the composition, in order, with its role.
    public func componentHealth() async -> [ComponentHealth] {
        await healthReport().components
    }
}

/// A composition's health check: the answer for the whole and for each store.
public struct CompositionHealth: Sendable, Hashable {
    /// Whether the composition can serve (what ``SessionStore/health()`` answers).
    public var overall: StoreHealth
    /// Each store, in order.
    public var components: [ComponentHealth]

    /// Creates a health report.
    public init(overall: StoreHealth, components: [ComponentHealth]) {
        self.overall = overall
        self.components = components
    }
}

/// One store of a composition, as health checks report it.
public struct ComponentHealth: Sendable, Hashable {
    /// The store's own health answer.
    public var health: StoreHealth
    /// What the store does in the composition: `fast`, `durable`, `primary` or `fallback`.
    public var role: String
    /// Whether the composition sends calls to it now (its circuit breaker is closed).
    public var inUse: Bool

    /// Creates a component health answer.
    public init(health: StoreHealth, role: String, inUse: Bool) {
        self.health = health
        self.role = role
        self.inUse = inUse
    }
}

extension CloakroomError {
    /// Whether the error means the store could not be reached or did not answer, as opposed to
    /// an answer such as "duplicate key".
    var isOutage: Bool { code == .storeUnavailable }
}

extension SessionStore {
    /// Deletes every record, in the store's own batches: for a cache whose contents can no longer
    /// be trusted.
    func clear() async throws {
        // Every record's deadline is before the far future, so pruning "expired" ones takes all.
        let farFuture = Date(timeIntervalSince1970: 32_503_680_000)  // year 3000
        while try await pruneExpired(now: farFuture, limit: pruneBatchSize) >= pruneBatchSize {}
    }
}
