import Foundation
import Logging
import Metrics
import Synchronization

/// One store of a composition, with its circuit breaker and the journal of changes it missed.
///
/// The composition asks it to ``call(now:_:)`` the store; it refuses at once while the breaker is
/// open, counts outages, and emits an event, a log line and the `cloakroom_store_bypassed` gauge
/// whenever the store is dropped or taken back.
final class CompositionMember: Sendable {
    /// The outcome of a call.
    enum Outcome<Value> {
        /// The store answered.
        case answered(Value)
        /// The store is down, was skipped because its breaker is open, or failed to answer.
        case unavailable
    }

    struct State {
        var breaker: CircuitBreaker
        var journal: RepairJournal
    }

    let store: any SessionStore
    let role: String
    let clock: any SessionClock
    private let events: any SessionEventSink
    private let logger: Logger
    private let state: Mutex<State>
    private let bypassed: Gauge
    private let bypasses: Counter

    init(store: any SessionStore, role: String, options: CompositionOptions) {
        self.store = store
        self.role = role
        self.clock = options.clock
        self.events = options.events
        self.logger = options.logger
        state = Mutex(
            State(
                breaker: CircuitBreaker(configuration: options.breaker),
                journal: RepairJournal(capacity: options.journalCapacity)
            )
        )
        let dimensions = [("store", store.name), ("role", role)]
        let factory = options.metricsFactory
        bypassed = Gauge(label: "cloakroom_store_bypassed", dimensions: dimensions, factory: factory)
        bypasses = Counter(label: "cloakroom_store_bypasses_total", dimensions: dimensions, factory: factory)
        bypassed.record(0)
    }

    /// Whether calls go to the store (its breaker is closed).
    var isInUse: Bool { state.withLock { $0.breaker.isClosed } }

    /// Whether the store is in use, its last call succeeded and it has missed nothing.
    var isInSync: Bool { state.withLock { $0.breaker.isClosedWithoutFailures && $0.journal.isEmpty } }

    /// Calls the store unless its breaker is open. Outages become ``Outcome/unavailable``; other
    /// errors (answers such as "duplicate key") are thrown.
    func call<Value>(now: Date, _ body: (any SessionStore) async throws -> Value) async throws -> Outcome<Value> {
        let instant = clock.monotonicNow
        guard state.withLock({ $0.breaker.permitsCall(now: instant) }) else { return .unavailable }
        do {
            let value = try await body(store)
            report(state.withLock { $0.breaker.recordSuccess() })
            return .answered(value)
        } catch let error as CloakroomError where error.isOutage {
            report(state.withLock { $0.breaker.recordFailure(now: clock.monotonicNow) })
            logger.debug("store call failed", metadata: ["store": "\(store.name)", "error": "\(error.message)"])
            return .unavailable
        } catch {
            // The store answered, so it is up; the answer is the caller's to handle.
            report(state.withLock { $0.breaker.recordSuccess() })
            throw error
        }
    }

    /// Like ``call(now:_:)``, for a change the store must not miss: when it cannot be made, the
    /// key is journaled for repair. Errors other than outages are journaled too, not thrown: the
    /// other store already holds the change.
    func apply(to key: SessionKey, now: Date, _ body: (any SessionStore) async throws -> Void) async {
        do {
            if case .answered = try await call(now: now, body) { return }
        } catch {
            logger.debug("store change failed", metadata: ["store": "\(store.name)", "error": "\(error)"])
        }
        missed(key)
    }

    /// Records that the store missed a change to `key`.
    func missed(_ key: SessionKey) {
        state.withLock { $0.journal.add(key) }
    }

    /// Records that the store missed the end of `userID`'s sessions (except one).
    func missed(user userID: String, except: SessionKey?, now: Date) {
        state.withLock { $0.journal.add(user: userID, except: except, now: now) }
    }

    /// Whether the store's copy of `key` may be stale.
    func distrusts(_ key: SessionKey) -> Bool {
        state.withLock { $0.journal.distrusts(key) }
    }

    /// Whether the store's copy of this record may be stale.
    func distrusts(_ session: StoredSession) -> Bool {
        state.withLock { $0.journal.distrusts(session) }
    }

    /// The store's health with its role and whether it is in use.
    func componentHealth() async -> ComponentHealth {
        ComponentHealth(health: await store.health(), role: role, inUse: isInUse)
    }

    /// Lets a health check through when the breaker's cool-down has passed, or when the store is
    /// in use but its last call failed, and applies the journal once the store is in use again.
    ///
    /// The second case matters when traffic is quiet: a store that failed fewer times than open
    /// its breaker (one write missed while it was starting, say) would otherwise count as out of
    /// sync, and the service as degraded, until the next request happened to reach it.
    func probe() async {
        let now = clock.monotonicNow
        let wantsProbe = state.withLock { state in
            !state.breaker.isClosedWithoutFailures && state.breaker.permitsCall(now: now)
        }
        if wantsProbe {
            let health = await store.health()
            report(
                state.withLock { state in
                    health.isHealthy ? state.breaker.recordSuccess() : state.breaker.recordFailure(now: now)
                }
            )
        }
        await repair()
    }

    /// Applies the journal to the store, when it is in use.
    func repair() async {
        let pending = state.withLock { state in
            state.breaker.isClosed && !state.journal.isEmpty ? state.journal.pending : nil
        }
        guard let pending else { return }
        let now = clock.now
        do {
            if pending.clearAll {
                try await store.clear()
            } else {
                try await deleteConcurrently(Array(pending.keys.keys), now: now)
                let entries = state.withLock { $0.journal.users.mapValues(\.entry) }
                for (userID, entry) in entries where pending.users[userID] != nil {
                    // Only records older than the "end all" are suspect: sessions created since
                    // then (possibly here, after the store came back) are kept.
                    for session in try await store.sessions(ofUser: userID, now: now)
                    where session.key != entry.except && session.metadata.createdAt <= entry.since {
                        try await store.delete(session.key, now: now)
                    }
                }
            }
            // The store answered every call of the repair: it is up.
            report(
                state.withLock { state in
                    state.journal.markApplied(pending)
                    return state.breaker.recordSuccess()
                }
            )
            logger.info(
                "store repaired after an outage",
                metadata: [
                    "store": "\(store.name)", "keys": "\(pending.keys.count)", "users": "\(pending.users.count)",
                    "cleared": "\(pending.clearAll)",
                ]
            )
        } catch let error as CloakroomError where error.isOutage {
            report(state.withLock { $0.breaker.recordFailure(now: clock.monotonicNow) })
        } catch {
            logger.warning("store repair failed", metadata: ["store": "\(store.name)", "error": "\(error)"])
        }
    }

    /// Deletes the keys, a few at a time: a journal can hold thousands after an outage, and the
    /// store is bypassed for them until they are gone.
    private func deleteConcurrently(_ keys: [SessionKey], now: Date) async throws {
        let store = store
        for start in stride(from: 0, to: keys.count, by: 32) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for key in keys[start..<min(start + 32, keys.count)] {
                    group.addTask { try await store.delete(key, now: now) }
                }
                try await group.waitForAll()
            }
        }
    }

    private func report(_ transition: CircuitBreaker.Transition?) {
        guard let transition else { return }
        let now = clock.now
        switch transition {
        case .opened:
            bypassed.record(1)
            bypasses.increment()
            events.record(SessionEvent(kind: .storeBypassed, time: now, store: "\(role) \(store.name)"))
        case .closed:
            bypassed.record(0)
            events.record(SessionEvent(kind: .storeRestored, time: now, store: "\(role) \(store.name)"))
        }
    }
}
