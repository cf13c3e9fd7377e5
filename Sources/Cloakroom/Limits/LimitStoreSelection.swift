/// Which store keeps rate limits when sessions live in a given store.
public enum LimitStoreSelection {
    /// The store that should keep the limits of instances sharing `store`, or `nil` when it
    /// cannot (a memory store: limits are then per process anyway).
    ///
    /// A replicated composition keeps them in its fast store (Redis, typically), else its durable
    /// one; a fallback chain in its first store that can. Limits are not replicated or failed
    /// over: while that store is down, checks fail with ``CloakroomError/Code/storeUnavailable``
    /// and the caller decides whether to fail open or closed.
    public static func limitStore(sharedBy store: any SessionStore) -> (any LimitStore)? {
        if let replicated = store as? ReplicatedSessionStore {
            return limitStore(sharedBy: replicated.fast) ?? limitStore(sharedBy: replicated.durable)
        }
        if let fallback = store as? FallbackSessionStore {
            return fallback.stores.lazy.compactMap { limitStore(sharedBy: $0) }.first
        }
        return store as? any LimitStore
    }
}
