import Cloakroom
import Logging

/// The stores a configuration names and how they fit together: a store, optionally a durable
/// store behind it (replicated), optionally fallbacks after that (a fallback chain).
public struct StoreTopology: Sendable, Hashable, CustomStringConvertible {
    /// The store calls go to first (the fast one when ``durable`` is set).
    public var primary: StoreLocation
    /// The durable store behind ``primary``.
    public var durable: StoreLocation?
    /// The stores to fall back to, in order.
    public var fallbacks: [StoreLocation]

    /// Creates a topology.
    public init(primary: StoreLocation, durable: StoreLocation? = nil, fallbacks: [StoreLocation] = []) {
        self.primary = primary
        self.durable = durable
        self.fallbacks = fallbacks
    }

    /// Opens every store and composes them. A store that cannot be opened closes the ones opened
    /// before it. The composition's `run()` runs every store's.
    ///
    /// - Parameters:
    ///   - events: where the compositions report stores they stop or start using again.
    ///   - logger: where the stores and compositions log.
    public func open(
        events: any SessionEventSink = DiscardingEventSink(),
        logger: Logger = .cloakroomDisabled
    ) async throws -> any SessionStore {
        var opened: [any SessionStore] = []
        do {
            for location in [primary] + (durable.map { [$0] } ?? []) + fallbacks {
                var storeLogger = logger
                storeLogger[metadataKey: "store"] = "\(location)"
                opened.append(try location.open(logger: storeLogger))
            }
        } catch {
            for store in opened { await store.close() }
            throw error
        }
        let options = CompositionOptions(events: events, logger: logger)
        var first = opened.removeFirst()
        if durable != nil {
            first = ReplicatedSessionStore(fast: first, durable: opened.removeFirst(), options: options)
        }
        guard !opened.isEmpty else { return first }
        return FallbackSessionStore(primary: first, fallbacks: opened, options: options)
    }

    /// `primary`, `primary + durable durable`, then ` > fallback` for each fallback.
    public var description: String {
        var text = primary.description
        if let durable { text += " + durable \(durable)" }
        for fallback in fallbacks { text += " > fallback \(fallback)" }
        return text
    }
}

extension ServerConfiguration {
    /// The configured stores.
    public var storeTopology: StoreTopology {
        StoreTopology(primary: store, durable: durableStore, fallbacks: fallbackStores)
    }
}
