import Foundation
import Synchronization

/// A store in this process's memory: fast, bounded, and gone when the process ends.
///
/// Use it for tests, single-instance development, or as the last link of a fallback chain.
public final class MemorySessionStore: SessionStoreExport {
    /// The records, packed (see ``SessionTable``).
    private let state = Mutex(SessionTable())
    /// The shared repair journal (see ``RepairJournalStore``): apart from the records, so that
    /// journaling never waits for the records' lock.
    let repairs = Mutex(RepairJournalTable())

    /// The most records the store holds; inserts beyond it fail with ``CloakroomError/Code/storeFull``.
    public let maximumCount: Int

    /// `memory`.
    public let name = "memory"

    /// Creates an empty store holding at most `maximumCount` records.
    public init(maximumCount: Int = 1_000_000) {
        precondition(maximumCount > 0, "maximumCount must be positive")
        // Slots are numbered in 32 bits (see SessionTable).
        precondition(maximumCount < Int32.max, "maximumCount must be below \(Int32.max)")
        self.maximumCount = maximumCount
    }

    /// The live record with this key, or `nil`.
    public func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        state.withLock { state in
            guard let record = state.record(key), record.isLive(at: now) else { return nil }
            return record.stored(key: key)
        }
    }

    /// Inserts a new record; a live one with the same key is a `duplicateKey` error.
    public func insert(_ session: StoredSession, now: Date) async throws {
        try state.withLock { state throws(CloakroomError) in
            try insert(session, into: &state, now: now)
        }
    }

    /// Under the store's one lock: atomic for every caller in this process, the only one that
    /// can see this store.
    public func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws
        -> [SessionKey]
    {
        try state.withLock { state throws(CloakroomError) in
            guard let userID = session.userID else {
                try insert(session, into: &state, now: now)
                return []
            }
            try Self.refuseLiveRecord(session.key, in: state, now: now)
            let live = state.records(ofUser: userID).filter { $0.isLive(at: now) }.map(\.stored)
            var ended: [SessionKey] = []
            for victim in try limit.sessionsToEnd(among: live) where state.remove(victim.key) != nil {
                ended.append(victim.key)
            }
            try insert(session, into: &state, now: now)
            return ended
        }
    }

    private static func refuseLiveRecord(_ key: SessionKey, in state: SessionTable, now: Date) throws(CloakroomError) {
        if let existing = state.record(key), existing.isLive(at: now) {
            throw CloakroomError(.duplicateKey, "a session with handle \(key.handle) already exists")
        }
    }

    private func insert(_ session: StoredSession, into state: inout SessionTable, now: Date) throws(CloakroomError) {
        try Self.refuseLiveRecord(session.key, in: state, now: now)
        state.remove(session.key)
        if state.count >= maximumCount {
            // Make room from the dead before refusing the living.
            _ = state.removeExpired(now: now, limit: 1024)
        }
        guard state.count < maximumCount else {
            throw CloakroomError(
                .storeFull,
                "the memory store holds its maximum of \(maximumCount) sessions; raise maximumCount or use a persistent store"
            )
        }
        state.put(session)
    }

    /// Replaces the live record if its version is `expectedVersion`; answers whether it did.
    public func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        state.withLock { state in state.replace(session, expectedVersion: expectedVersion, now: now) }
    }

    /// Records activity on a live record without changing its version (see the protocol requirement).
    public func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        state.withLock { state in
            state.touch(key, lastSeenAt: lastSeenAt, idleDeadline: idleDeadline, now: now)
        }
    }

    /// Deletes the record; answers whether a live one was there.
    @discardableResult
    public func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        state.withLock { state in
            state.remove(key)?.isLive(at: now) ?? false
        }
    }

    /// The user's live records.
    public func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        state.withLock { state in
            state.records(ofUser: userID).filter { $0.isLive(at: now) }.map(\.stored)
        }
    }

    /// Deletes the user's live records but `except`; answers how many went.
    public func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        state.withLock { state in
            var ended = 0
            let except = except.map(PackedSessionKey.init)
            for record in state.records(ofUser: userID) where record.key != except {
                if state.remove(record.key)?.isLive(at: now) == true { ended += 1 }
            }
            return ended
        }
    }

    /// Deletes up to `limit` expired records; answers how many.
    public func pruneExpired(now: Date, limit: Int) async throws -> Int {
        state.withLock { state in state.removeExpired(now: now, limit: limit) }
    }

    /// The number of live records.
    public func count(now: Date) async throws -> Int {
        state.withLock { state in state.records.reduce(0) { $0 + ($1.isLive(at: now) ? 1 : 0) } }
    }

    /// Whether the store answers, with a detail fit for operators.
    public func health() async -> StoreHealth {
        StoreHealth(store: name, isHealthy: true)
    }

    /// Up to `limit` live records after `cursor`, in a stable order, and the cursor to go on from.
    public func exportRecords(after cursor: String?, limit: Int, now: Date) async throws -> ExportBatch {
        state.withLock { state in
            let page = state.records.map { record in
                let key = record.key.sessionKey
                return (hex: key.hex, key: key, record: record)
            }.filter { cursor == nil || $0.hex > cursor! }.sorted { $0.hex < $1.hex }.prefix(limit)
            let records = page.compactMap { $0.record.isLive(at: now) ? $0.record.stored(key: $0.key) : nil }
            return .orderedByKey(records, scanned: page.map(\.key), limit: limit)
        }
    }

    /// Closes the store's connections or files; later calls fail.
    public func close() async {}
}
