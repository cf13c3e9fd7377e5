import Foundation
import Synchronization

/// An ordered chain of stores: calls go to the first one whose circuit breaker is closed, and
/// come back to the primary by themselves once it answers its health checks again.
///
/// - New sessions are created in the first store in use. While the primary is down that is a
///   fallback, and the sessions created there live there: reads, changes and ends look in the
///   fallbacks that took writes after the store in use, so those sessions keep working after the
///   primary returns, for as long as the fallback keeps them. **A memory fallback keeps them only
///   until the process stops**; users signed in during the outage must then sign in again.
/// - Sessions held by the primary cannot be resumed while it is down (they answer "no session").
///   Ending them, or all of a user's, is recorded in a repair journal and applied to the primary
///   as soon as it is back; until then the primary's copies are not used, so a session ended
///   during the outage never comes back.
/// - While any store is bypassed, ``bypassedStores`` names it: `cloakroomd` answers `/health`
///   with `degraded` and adds `Cloakroom-Degraded: 1` to every response.
public final class FallbackSessionStore: ComposedSessionStore {
    /// `primary>fallback…`, e.g. `postgres>sqlite`.
    public let name: String
    /// The stores, primary first.
    public var stores: [any SessionStore] { members.map(\.store) }

    private let members: [CompositionMember]
    /// The indexes of the fallbacks that have taken new sessions.
    private let writers = Mutex<Set<Int>>([])

    /// Creates a chain of `primary` and `fallbacks`, in order.
    ///
    /// - Parameters:
    ///   - primary: the store that serves while it is up.
    ///   - fallbacks: the stores that serve, in order, while the ones before them are down.
    ///   - options: every store's circuit breaker and journal, and where to report.
    public init(
        primary: any SessionStore,
        fallbacks: [any SessionStore],
        options: CompositionOptions = CompositionOptions()
    ) {
        let stores = [primary] + fallbacks
        name = stores.map(\.name).joined(separator: ">")
        members = stores.enumerated().map { index, store in
            CompositionMember(store: store, role: index == 0 ? "primary" : "fallback", options: options)
        }
    }

    /// Calls the first store in use; on an outage, the next.
    private func first<Value>(
        now: Date,
        _ body: (any SessionStore) async throws -> Value
    ) async throws -> (index: Int, value: Value) {
        for (index, member) in members.enumerated() {
            if case .answered(let value) = try await member.call(now: now, { try await body($0) }) {
                return (index, value)
            }
        }
        throw Self.unavailable(name)
    }

    /// The stores after `index` that took writes, reachable now.
    private func others(after index: Int) -> ArraySlice<CompositionMember> {
        let writers = writers.withLock { $0 }
        return members.indices.filter { $0 > index && writers.contains($0) }.map { members[$0] }[...]
    }

    // MARK: Reads

    /// The live record with this key, or `nil`.
    public func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        let (index, session) = try await first(now: now) { try await $0.load(key, now: now) }
        if let session, !members[index].distrusts(session) { return session }
        for member in others(after: index) {
            if case .answered(let session?) = try? await member.call(now: now, { try await $0.load(key, now: now) }) {
                return session
            }
        }
        return nil
    }

    /// The user's live records.
    public func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        let (index, found) = try await first(now: now) { try await $0.sessions(ofUser: userID, now: now) }
        var sessions = found.filter { !members[index].distrusts($0) }
        var seen = Set(sessions.map(\.key))
        for member in others(after: index) {
            guard
                case .answered(let more) = try? await member.call(
                    now: now,
                    { try await $0.sessions(ofUser: userID, now: now) }
                )
            else { continue }
            for session in more where seen.insert(session.key).inserted { sessions.append(session) }
        }
        return sessions
    }

    /// The number of live records.
    public func count(now: Date) async throws -> Int {
        let (index, live) = try await first(now: now) { try await $0.count(now: now) }
        var total = live
        for member in others(after: index) {
            if case .answered(let more) = try? await member.call(now: now, { try await $0.count(now: now) }) {
                total += more
            }
        }
        return total
    }

    // MARK: Writes

    /// Inserts a new record; a live one with the same key is a `duplicateKey` error.
    public func insert(_ session: StoredSession, now: Date) async throws {
        let (index, _) = try await first(now: now) { try await $0.insert(session, now: now) }
        if index > 0 { writers.withLock { _ = $0.insert(index) } }
    }

    /// The limit holds within the store that takes the insert; while a fallback serves, sessions
    /// the user still holds in a store that is down are not counted.
    public func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws
        -> [SessionKey]
    {
        let (index, ended) = try await first(now: now) { try await $0.insert(session, within: limit, now: now) }
        if index > 0 { writers.withLock { _ = $0.insert(index) } }
        return ended
    }

    /// Replaces the live record if its version is `expectedVersion`; answers whether it did.
    public func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        try await change(session.key, now: now) {
            try await $0.compareAndSet(session, expectedVersion: expectedVersion, now: now)
        }
    }

    /// Records activity on a live record without changing its version (see the protocol requirement).
    public func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        try await change(key, now: now) {
            try await $0.touch(key, lastSeenAt: lastSeenAt, idleDeadline: idleDeadline, now: now)
        }
    }

    /// Changes the record in the first store in use, or else in a fallback that took writes.
    private func change(_ key: SessionKey, now: Date, _ body: (any SessionStore) async throws -> Bool) async throws
        -> Bool
    {
        let (index, changed) = try await first(now: now) { try await body($0) }
        // A distrusted copy was ended while its store was down: the change did not count.
        if changed && !members[index].distrusts(key) { return true }
        for member in others(after: index) {
            if case .answered(true) = try await member.call(now: now, body) { return true }
        }
        return false
    }

    /// Deletes the record; answers whether a live one was there.
    @discardableResult
    public func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        var deleted = false
        var reached = false
        let writers = writers.withLock { $0 }
        for (index, member) in members.enumerated() where index == 0 || writers.contains(index) {
            if case .answered(let found) = try await member.call(now: now, { try await $0.delete(key, now: now) }) {
                deleted = deleted || found
                reached = true
            } else {
                await member.missed(key, now: now)
            }
        }
        guard reached || members.contains(where: \.isInUse) else { throw Self.unavailable(name) }
        return deleted
    }

    /// Deletes the user's live records but `except`; answers how many went.
    public func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        var ended = 0
        var reached = false
        let writers = writers.withLock { $0 }
        for (index, member) in members.enumerated() where index == 0 || writers.contains(index) {
            let outcome = try await member.call(now: now) {
                try await $0.deleteAll(ofUser: userID, except: except, now: now)
            }
            if case .answered(let count) = outcome {
                ended += count
                reached = true
            } else {
                await member.missed(user: userID, except: except, now: now)
            }
        }
        guard reached || members.contains(where: \.isInUse) else { throw Self.unavailable(name) }
        return ended
    }

    /// Deletes up to `limit` expired records; answers how many.
    public func pruneExpired(now: Date, limit: Int) async throws -> Int {
        let (index, pruned) = try await first(now: now) { try await $0.pruneExpired(now: now, limit: limit) }
        var total = pruned
        for member in others(after: index) {
            if case .answered(let more) = try? await member.call(
                now: now,
                { try await $0.pruneExpired(now: now, limit: limit) }
            ) {
                total += more
            }
        }
        return total
    }

    private static func unavailable(_ name: String) -> CloakroomError {
        CloakroomError(.storeUnavailable, "no store of the \(name) chain answered; check that they are reachable")
    }

    // MARK: Operations

    /// The primary's batch size.
    public var pruneBatchSize: Int { members[0].store.pruneBatchSize }
    /// The primary's rest between batches.
    public var pruneBatchPause: Duration { members[0].store.pruneBatchPause }
    /// Whether every store expires records by itself.
    public var expiresRecordsItself: Bool { members.allSatisfy(\.store.expiresRecordsItself) }

    /// Healthy while any store is: the chain serves from whichever answers. Stops asking at the
    /// first healthy store.
    public func health() async -> StoreHealth {
        var answers: [StoreHealth] = []
        for member in members {
            answers.append(await member.store.health())
            if answers.last?.isHealthy == true { break }
        }
        return overall(answers)
    }

    /// The health of the composition and of each of its stores, for `/health`.
    public func healthReport() async -> CompositionHealth {
        var components: [ComponentHealth] = []
        for member in members { components.append(await member.componentHealth()) }
        return CompositionHealth(overall: overall(components.map(\.health)), components: components)
    }

    private func overall(_ answers: [StoreHealth]) -> StoreHealth {
        guard !answers.contains(where: \.isHealthy) else { return StoreHealth(store: name, isHealthy: true) }
        let details = answers.map { "\($0.store): \($0.detail ?? "down")" }
        return StoreHealth(store: name, isHealthy: false, detail: details.joined(separator: "; "))
    }

    /// Every store before the one in use, and any store not yet repaired.
    public var bypassedStores: [String] {
        members.filter { !$0.isInSync }.map(\.store.name)
    }

    /// Tries a bypassed store again, so that traffic moves back to it once it answers.
    public func probe() async {
        for member in members { await member.probe() }
    }

    /// Runs every member (each closes itself when it ends).
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in members.map(\.store) { group.addTask { try await store.run() } }
            try await group.waitForAll()
        }
    }

    /// Closes the store's connections or files; later calls fail.
    public func close() async {
        for member in members { await member.store.close() }
    }
}
