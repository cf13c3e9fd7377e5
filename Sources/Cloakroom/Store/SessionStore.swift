import Foundation
import ServiceLifecycle

/// The backend contract every store implements: small, dumb and atomic per operation.
///
/// The ``SessionManager`` applies policy, cipher and events; a store only keeps records.
/// Every operation takes `now` from the manager's clock, and no operation ever returns or
/// lists a record whose ``SessionHeader/deadline`` is not after `now`, whether or not pruning
/// has removed it yet. `CloakroomTesting`'s conformance suite checks all of this.
///
/// A store is a `Service`: ``run()`` does its background work (connecting, migrating) and ends
/// by closing it, so a `ServiceGroup` that owns it shuts it down with the application.
public protocol SessionStore: Service {
    /// A short name for logs, health and metrics, e.g. `sqlite`.
    var name: String { get }

    /// The live record with this key, or `nil`.
    func load(_ key: SessionKey, now: Date) async throws -> StoredSession?

    /// Inserts a new record; throws ``CloakroomError/Code/duplicateKey`` if a live one with the
    /// same key exists. An expired record with the same key is replaced.
    func insert(_ session: StoredSession, now: Date) async throws

    /// Inserts a new record for its user and keeps that user within `limit` **in the same atomic
    /// step**: counts the user's live records, ends the ones ``UserSessionLimit/sessionsToEnd(among:)``
    /// names (or refuses), and inserts, with no other insert for that user in between, on this
    /// instance or any other sharing the backend. A record without a user is inserted as by
    /// ``insert(_:now:)``.
    ///
    /// The default implementation lists, deletes and inserts in three steps, so concurrent
    /// sign-ins may leave a user above the limit; every store Cloakroom ships overrides it, and
    /// `CloakroomTesting`'s conformance suite checks that a store does.
    ///
    /// - Returns: the keys of the live records deleted to make room.
    /// - Throws: ``CloakroomError/Code/tooManySessions`` when the user is full and the limit
    ///   refuses; ``CloakroomError/Code/duplicateKey`` as ``insert(_:now:)``.
    func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws -> [SessionKey]

    /// Replaces the live record with the same key if its version is `expectedVersion`.
    ///
    /// - Returns: `false` when the record is missing, expired or has another version.
    func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool

    /// Records activity without changing data or version: sets `lastSeenAt` and moves the idle
    /// deadline to `idleDeadline` if that is later.
    ///
    /// - Returns: `false` when there is no live record with this key.
    func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool

    /// Deletes the record; returns whether a live one was there.
    @discardableResult
    func delete(_ key: SessionKey, now: Date) async throws -> Bool

    /// The user's live records, in no particular order.
    func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession]

    /// Deletes all of the user's records except the one keyed `except`; returns how many live
    /// ones were deleted.
    func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int

    /// Deletes up to `limit` records whose deadline is not after `now`; returns how many.
    func pruneExpired(now: Date, limit: Int) async throws -> Int

    /// The number of live records.
    func count(now: Date) async throws -> Int

    /// The live records among `keys`, by key: for bulk work such as migrations.
    func load(_ keys: [SessionKey], now: Date) async throws -> [SessionKey: StoredSession]

    /// Inserts each session whose key holds no live record, and returns the keys inserted; the
    /// others are left alone. For bulk work such as migrations: a store may write the batch at once.
    func insertNew(_ sessions: [StoredSession], now: Date) async throws -> Set<SessionKey>

    /// How many expired records one pruning batch should delete: large enough to keep up, small
    /// enough that a batch never holds up the store's other work.
    var pruneBatchSize: Int { get }

    /// How long pruning rests between two batches, so that a large backlog leaves CPU to requests
    /// that share the machine with the store.
    var pruneBatchPause: Duration { get }

    /// Whether the backend drops expired records by itself (Redis key expiry), so that a
    /// background ``PruningService`` has nothing to do.
    var expiresRecordsItself: Bool { get }

    /// Whether the store can serve requests right now.
    func health() async -> StoreHealth

    /// Releases connections and files. Calls after `close` may fail.
    func close() async

    /// Does the store's background work until graceful shutdown or cancellation, then closes it.
    ///
    /// Stores that need none wait and close (the default); the PostgreSQL store runs its
    /// connection pool and migrates its schema here, and its calls wait for that.
    func run() async throws
}

extension SessionStore {
    /// One ``load(_:now:)-(SessionKey,_)`` per key, 16 at a time, unless a store knows better.
    public func load(_ keys: [SessionKey], now: Date) async throws -> [SessionKey: StoredSession] {
        var found: [SessionKey: StoredSession] = [:]
        for start in stride(from: 0, to: keys.count, by: 16) {
            try await withThrowingTaskGroup(of: StoredSession?.self) { group in
                for key in keys[start..<min(start + 16, keys.count)] {
                    group.addTask { try await self.load(key, now: now) }
                }
                for try await session in group { if let session { found[session.key] = session } }
            }
        }
        return found
    }

    /// One ``insert(_:now:)`` per session, 16 at a time, unless a store knows better.
    public func insertNew(_ sessions: [StoredSession], now: Date) async throws -> Set<SessionKey> {
        var inserted: Set<SessionKey> = []
        for start in stride(from: 0, to: sessions.count, by: 16) {
            try await withThrowingTaskGroup(of: SessionKey?.self) { group in
                for session in sessions[start..<min(start + 16, sessions.count)] {
                    group.addTask {
                        do {
                            try await self.insert(session, now: now)
                            return session.key
                        } catch let error as CloakroomError where error.code == .duplicateKey {
                            return nil
                        }
                    }
                }
                for try await key in group { if let key { inserted.insert(key) } }
            }
        }
        return inserted
    }

    /// List, delete, insert: not atomic (see the requirement).
    public func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws
        -> [SessionKey]
    {
        guard let userID = session.userID else {
            try await insert(session, now: now)
            return []
        }
        return try await insertMakingRoom(session, ofUser: userID, within: limit, now: now)
    }

    /// The three steps of a per-user limit (refuse a live duplicate, end what the limit names,
    /// insert), atomic only when the caller keeps the user's other inserts out meanwhile, as
    /// the Redis store does with its per-user lock.
    package func insertMakingRoom(
        _ session: StoredSession,
        ofUser userID: String,
        within limit: UserSessionLimit,
        now: Date
    ) async throws -> [SessionKey] {
        // New keys are random, so this is for the contract: a refused insert ends nothing.
        guard try await load(session.key, now: now) == nil else {
            throw CloakroomError(.duplicateKey, "a session with handle \(session.key.handle) already exists")
        }
        var ended: [SessionKey] = []
        for victim in try limit.sessionsToEnd(among: try await sessions(ofUser: userID, now: now)) {
            if try await delete(victim.key, now: now) { ended.append(victim.key) }
        }
        try await insert(session, now: now)
        return ended
    }

    /// 1000 records, unless a store knows better.
    public var pruneBatchSize: Int { 1000 }

    /// No rest, unless a store knows better.
    public var pruneBatchPause: Duration { .zero }

    /// `false`, unless a store knows better.
    public var expiresRecordsItself: Bool { false }
}

/// The answer of a store's health check.
public struct StoreHealth: Sendable, Hashable {
    /// The store's name.
    public var store: String
    /// Whether it answered as expected.
    public var isHealthy: Bool
    /// Why not, when it is not; never holds a secret.
    public var detail: String?

    /// Creates a health answer.
    public init(store: String, isHealthy: Bool, detail: String? = nil) {
        self.store = store
        self.isHealthy = isHealthy
        self.detail = detail
    }
}
