import Foundation

/// A fast store (Redis, memory) in front of a durable one (PostgreSQL, SQLite): nothing
/// acknowledged is lost when the fast one dies.
///
/// What each operation does, and what happens when either store is down:
///
/// | operation | both up | fast down | durable down |
/// | --- | --- | --- | --- |
/// | load | fast; on a miss durable, then refill fast | durable | fast (a miss fails) |
/// | insert, compare-and-set, touch | durable, then fast | durable only; fast repaired later | fails |
/// | delete, delete all of a user | durable, then fast | durable only; fast repaired later | fails |
/// | list a user's, count | durable | durable | fails |
/// | prune | durable, then fast | durable | fails |
///
/// - A write is acknowledged once the **durable** store has it. The fast store is then brought
///   up to date; when that fails, the key goes to a repair journal, the fast store's copy of it is
///   not used until the journal has been applied (the copy is deleted and read again from the
///   durable store), so neither a lost update nor an ended session comes back from it.
/// - The fast store sits behind a ``CircuitBreaker``: after a few outages in a row it is skipped
///   at once instead of waited for, and ``probe()`` (run by ``StoreProbeService``) takes it back
///   when its health check passes.
/// - The fast store is a cache: a copy is written only as a whole record and dropped whenever in
///   doubt. Its own persistence adds nothing; run Redis here without it if you like.
///
/// Several instances share the two stores. When the durable store is a ``RepairJournalStore``
/// (memory, SQLite, PostgreSQL), the repair journal is shared through it: a change one instance
/// could not make in the fast store is recorded in the durable one before the write is
/// acknowledged, and every instance's ``probe()`` (every 500 ms under ``StoreProbeService``)
/// takes such entries in, stops trusting those copies and deletes them from the fast store, even
/// when the instance that missed the change has stopped. An instance that can reach the fast
/// store may serve a copy another instance could not update for at most one probe interval (plus
/// the time to apply the entries).
///
/// With any other durable store the journal lives in this process only: such a copy is served
/// until this instance has applied its journal, or — if it stopped first — until the copy
/// expires. ``sharesRepairJournal`` says which case applies.
public final class ReplicatedSessionStore: ComposedSessionStore {
    /// The store reads come from.
    public var fast: any SessionStore { fastMember.store }
    /// The store that acknowledges writes.
    public let durable: any SessionStore
    /// `fast+durable`, e.g. `redis+postgres`.
    public let name: String

    private let fastMember: CompositionMember

    /// Whether the fast store's repair journal is kept in the durable store, for every instance
    /// to apply (see the type's documentation).
    public var sharesRepairJournal: Bool { fastMember.sharedJournal != nil }

    /// Creates a replicated store.
    ///
    /// - Parameters:
    ///   - fast: the store to read from.
    ///   - durable: the store that holds every acknowledged write.
    ///   - options: the fast store's circuit breaker and journal, and where to report.
    public init(fast: any SessionStore, durable: any SessionStore, options: CompositionOptions = CompositionOptions()) {
        self.durable = durable
        self.name = "\(fast.name)+\(durable.name)"
        fastMember = CompositionMember(
            store: fast,
            role: "fast",
            options: options,
            sharedJournal: durable as? any RepairJournalStore
        )
    }

    // MARK: Reads

    /// The live record with this key, or `nil`.
    public func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        if !fastMember.distrusts(key),
            case .answered(let cached) = try? await fastMember.call(now: now, { try await $0.load(key, now: now) })
        {
            if let cached, !fastMember.distrusts(cached) { return cached }
        }
        let session = try await durable.load(key, now: now)
        if let session { await refill(session, now: now) }
        return session
    }

    /// Copies a record read from the durable store into the fast one, then checks that the
    /// durable store still holds that very version: a write or an end that raced the copy would
    /// otherwise leave a stale record in the fast store.
    private func refill(_ session: StoredSession, now: Date) async {
        guard fastMember.isInSync else { return }
        do {
            guard case .answered = try await fastMember.call(now: now, { try await $0.insert(session, now: now) })
            else {
                return
            }
        } catch {
            return  // Someone else filled it (duplicate key); their own check covers their copy.
        }
        let current = try? await durable.load(session.key, now: now)
        if current?.version != session.version {
            await fastMember.apply(to: session.key, now: now) { try await $0.delete(session.key, now: now) }
        }
    }

    /// The user's live records.
    public func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        try await durable.sessions(ofUser: userID, now: now)
    }

    /// The number of live records.
    public func count(now: Date) async throws -> Int {
        try await durable.count(now: now)
    }

    // MARK: Writes: durable first, then fast

    /// Inserts a new record; a live one with the same key is a `duplicateKey` error.
    public func insert(_ session: StoredSession, now: Date) async throws {
        try await durable.insert(session, now: now)
        await copyToFast(session, now: now)
    }

    /// The limit is the durable store's to keep (its records are the truth); the fast copies of
    /// the sessions it ended are dropped.
    public func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws
        -> [SessionKey]
    {
        let ended = try await durable.insert(session, within: limit, now: now)
        for key in ended {
            await fastMember.apply(to: key, now: now) { try await $0.delete(key, now: now) }
        }
        await copyToFast(session, now: now)
        return ended
    }

    /// Writes a new record's fast copy; a fast copy already under its key is stale and dropped.
    private func copyToFast(_ session: StoredSession, now: Date) async {
        await fastMember.apply(to: session.key, now: now) { fast in
            do {
                try await fast.insert(session, now: now)
            } catch let error as CloakroomError where error.code == .duplicateKey {
                try await fast.delete(session.key, now: now)
            }
        }
    }

    /// Replaces the live record if its version is `expectedVersion`; answers whether it did.
    public func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        let replaced = try await durable.compareAndSet(session, expectedVersion: expectedVersion, now: now)
        await fastMember.apply(to: session.key, now: now) { fast in
            // A fast copy at any other version is stale: drop it and let the next read refill it.
            guard replaced, try await fast.compareAndSet(session, expectedVersion: expectedVersion, now: now) else {
                try await fast.delete(session.key, now: now)
                return
            }
        }
        return replaced
    }

    /// Records activity on a live record without changing its version (see the protocol requirement).
    public func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        let touched = try await durable.touch(key, lastSeenAt: lastSeenAt, idleDeadline: idleDeadline, now: now)
        await fastMember.apply(to: key, now: now) { fast in
            if touched {
                _ = try await fast.touch(key, lastSeenAt: lastSeenAt, idleDeadline: idleDeadline, now: now)
            } else {
                try await fast.delete(key, now: now)
            }
        }
        return touched
    }

    /// Deletes the record; answers whether a live one was there.
    @discardableResult
    public func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        let deleted = try await durable.delete(key, now: now)
        await fastMember.apply(to: key, now: now) { try await $0.delete(key, now: now) }
        return deleted
    }

    /// Deletes the user's live records but `except`; answers how many went.
    public func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        let ended = try await durable.deleteAll(ofUser: userID, except: except, now: now)
        do {
            let outcome = try await fastMember.call(now: now) {
                try await $0.deleteAll(ofUser: userID, except: except, now: now)
            }
            if case .answered = outcome { return ended }
        } catch {}
        await fastMember.missed(user: userID, except: except, now: now)
        return ended
    }

    /// Deletes up to `limit` expired records; answers how many.
    public func pruneExpired(now: Date, limit: Int) async throws -> Int {
        let pruned = try await durable.pruneExpired(now: now, limit: limit)
        if !fast.expiresRecordsItself {
            _ = try? await fastMember.call(now: now) { try await $0.pruneExpired(now: now, limit: limit) }
        }
        return pruned
    }

    // MARK: Operations

    /// The durable store's batch size.
    public var pruneBatchSize: Int { durable.pruneBatchSize }
    /// The durable store's rest between batches.
    public var pruneBatchPause: Duration { durable.pruneBatchPause }
    /// Whether the durable store expires records by itself.
    public var expiresRecordsItself: Bool { durable.expiresRecordsItself }

    /// Healthy when the durable store is: without the fast one, service goes on, degraded.
    public func health() async -> StoreHealth {
        overall(await durable.health())
    }

    /// The health of the composition and of each of its stores, for `/health`.
    public func healthReport() async -> CompositionHealth {
        async let fastHealth = fastMember.componentHealth()
        let durableHealth = await durable.health()
        return CompositionHealth(
            overall: overall(durableHealth),
            components: [await fastHealth, ComponentHealth(health: durableHealth, role: "durable", inUse: true)]
        )
    }

    private func overall(_ durableHealth: StoreHealth) -> StoreHealth {
        StoreHealth(store: name, isHealthy: durableHealth.isHealthy, detail: durableHealth.detail)
    }

    /// The fast store's name while it is bypassed or not yet repaired.
    public var bypassedStores: [String] { fastMember.isInSync ? [] : [fast.name] }

    /// Tries a bypassed store again, so that traffic moves back to it once it answers.
    public func probe() async {
        await fastMember.probe()
    }

    /// Runs every member (each closes itself when it ends).
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in [fast, durable] { group.addTask { try await store.run() } }
            try await group.waitForAll()
        }
    }

    /// Closes the store's connections or files; later calls fail.
    public func close() async {
        await fast.close()
        await durable.close()
    }
}
