import Cloakroom
import Foundation
import Synchronization

/// Wraps a store and makes it fail on demand, as a store that went down would: every call throws
/// ``Cloakroom/CloakroomError/Code/storeUnavailable`` and health says it is down, while the records
/// it held stay (like a Redis that restarts from its append-only file).
///
/// For testing store compositions and what a service does during an outage.
public final class OutageSimulatingStore: SessionStore {
    /// The wrapped store.
    public let base: any SessionStore
    private let down = Mutex(false)
    private let calls = Mutex(0)

    /// Wraps `base`, up.
    public init(_ base: any SessionStore) {
        self.base = base
    }

    /// The wrapped store's name.
    public var name: String { base.name }

    /// Whether calls fail now.
    public var isDown: Bool {
        get { down.withLock { $0 } }
        set { down.withLock { $0 = newValue } }
    }

    /// How many calls reached the wrapped store (refused calls not counted).
    public var callCount: Int { calls.withLock { $0 } }

    private func pass() throws(CloakroomError) {
        guard !isDown else {
            throw CloakroomError(.storeUnavailable, "\(name) store failed: simulated outage")
        }
        calls.withLock { $0 += 1 }
    }

    /// The live record with this key, or `nil`.
    public func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        try pass()
        return try await base.load(key, now: now)
    }

    /// Inserts a new record; a live one with the same key is a `duplicateKey` error.
    public func insert(_ session: StoredSession, now: Date) async throws {
        try pass()
        try await base.insert(session, now: now)
    }

    /// Inserts a new record for its user within the per-user limit, in one atomic step (see the protocol requirement).
    public func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws
        -> [SessionKey]
    {
        try pass()
        return try await base.insert(session, within: limit, now: now)
    }

    /// Replaces the live record if its version is `expectedVersion`; answers whether it did.
    public func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        try pass()
        return try await base.compareAndSet(session, expectedVersion: expectedVersion, now: now)
    }

    /// Records activity on a live record without changing its version (see the protocol requirement).
    public func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        try pass()
        return try await base.touch(key, lastSeenAt: lastSeenAt, idleDeadline: idleDeadline, now: now)
    }

    /// Deletes the record; answers whether a live one was there.
    @discardableResult
    public func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        try pass()
        return try await base.delete(key, now: now)
    }

    /// The user's live records.
    public func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        try pass()
        return try await base.sessions(ofUser: userID, now: now)
    }

    /// Deletes the user's live records but `except`; answers how many went.
    public func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        try pass()
        return try await base.deleteAll(ofUser: userID, except: except, now: now)
    }

    /// Deletes up to `limit` expired records; answers how many.
    public func pruneExpired(now: Date, limit: Int) async throws -> Int {
        try pass()
        return try await base.pruneExpired(now: now, limit: limit)
    }

    /// The number of live records.
    public func count(now: Date) async throws -> Int {
        try pass()
        return try await base.count(now: now)
    }

    /// Whether the store answers, with a detail fit for operators.
    public func health() async -> StoreHealth {
        guard !isDown else { return StoreHealth(store: name, isHealthy: false, detail: "simulated outage") }
        return await base.health()
    }

    /// Runs the wrapped store.
    public func run() async throws {
        try await base.run()
    }

    /// Closes the store's connections or files; later calls fail.
    public func close() async {
        await base.close()
    }
}
