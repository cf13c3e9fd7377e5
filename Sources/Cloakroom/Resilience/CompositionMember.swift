import Foundation
import Logging
import Metrics
import Synchronization

/// One store of a composition, with its circuit breaker and the journal of changes it missed.
///
/// The composition asks it to ``call(now:_:)`` the store; it refuses at once while the breaker is
/// open, counts outages, and emits an event, a log line and the `cloakroom_store_bypassed` gauge
/// whenever the store is dropped or taken back.
///
/// With a ``RepairJournalStore`` to share its journal through, every change the store missed is
/// also recorded there, before the write that missed it is acknowledged, and every ``repair()``
/// first takes in what other instances recorded: so an instance that can reach the store drops
/// copies another instance could not update, within one probe interval.
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
        /// Entries the shared journal did not take (its store failed); retried on each repair.
        var unshared: [SharedRepair.Target] = []
    }

    /// How many shared entries one repair takes in; the rest wait for the next probe.
    static let sharedPageSize = 10_000

    let store: any SessionStore
    let role: String
    let clock: any SessionClock
    /// Where the journal is shared with other instances, if anywhere.
    let sharedJournal: (any RepairJournalStore)?
    private let journalCapacity: Int
    private let events: any SessionEventSink
    private let logger: Logger
    private let state: Mutex<State>
    private let bypassed: Gauge
    private let bypasses: Counter

    init(
        store: any SessionStore,
        role: String,
        options: CompositionOptions,
        sharedJournal: (any RepairJournalStore)? = nil
    ) {
        self.store = store
        self.role = role
        self.sharedJournal = sharedJournal
        self.journalCapacity = options.journalCapacity
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
        await missed(key, now: now)
    }

    /// Records that the store missed a change to `key`, here and in the shared journal.
    func missed(_ key: SessionKey, now: Date) async {
        state.withLock { $0.journal.add(key) }
        await share(.session(key), now: now)
    }

    /// Records that the store missed the end of `userID`'s sessions (except one), here and in the
    /// shared journal.
    func missed(user userID: String, except: SessionKey?, now: Date) async {
        state.withLock { $0.journal.add(user: userID, except: except, now: now) }
        await share(.user(userID, except: except, since: now), now: now)
    }

    /// Records an entry in the shared journal; when that fails, keeps it to retry on the next
    /// repair (this instance's own journal covers its own reads meanwhile).
    private func share(_ target: SharedRepair.Target, now: Date) async {
        guard let sharedJournal else { return }
        do {
            try await sharedJournal.recordRepair(target, now: now)
        } catch {
            logger.warning(
                "could not share a missed change with other instances; retrying",
                metadata: ["store": "\(sharedJournal.name)", "error": "\(error)"]
            )
            state.withLock { state in
                // Past the capacity the local journal has overflowed and clears the store anyway.
                if state.unshared.count < journalCapacity { state.unshared.append(target) }
            }
        }
    }

    /// Records again the entries the shared journal did not take.
    private func shareAgain(now: Date) async {
        guard let sharedJournal else { return }
        let targets = state.withLock { state in
            defer { state.unshared = [] }
            return state.unshared
        }
        for (index, target) in targets.enumerated() {
            do {
                try await sharedJournal.recordRepair(target, now: now)
            } catch {
                state.withLock { $0.unshared.insert(contentsOf: targets[index...], at: 0) }
                return
            }
        }
    }

    /// Takes the shared journal's entries into this instance's journal, so that its reads stop
    /// trusting those copies at once, and answers them to be removed once applied. Only while the
    /// store is in use: an instance that does not read the store has nothing to distrust.
    private func adoptSharedRepairs() async -> [SharedRepair] {
        guard let sharedJournal, isInUse else { return [] }
        let repairs: [SharedRepair]
        do {
            repairs = try await sharedJournal.pendingRepairs(limit: Self.sharedPageSize)
        } catch {
            logger.debug(
                "could not read the shared repair journal",
                metadata: ["store": "\(sharedJournal.name)", "error": "\(error)"]
            )
            return []
        }
        guard !repairs.isEmpty else { return [] }
        state.withLock { state in
            for repair in repairs {
                switch repair.target {
                case .session(let key): state.journal.add(key)
                case .user(let userID, let except, let since):
                    state.journal.add(user: userID, except: except, now: since)
                }
            }
        }
        return repairs
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

    /// Applies the journal, with what other instances shared, to the store when it is in use.
    func repair() async {
        let now = clock.now
        await shareAgain(now: now)
        let adopted = await adoptSharedRepairs()
        let pending = state.withLock { state in
            state.breaker.isClosed && !state.journal.isEmpty ? state.journal.pending : nil
        }
        guard let pending else { return }
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
            if let sharedJournal, !adopted.isEmpty {
                // Another instance may remove them first; that is fine, the store dropped them.
                try? await sharedJournal.removeRepairs(adopted)
            }
            logger.info(
                "store repaired after an outage",
                metadata: [
                    "store": "\(store.name)", "keys": "\(pending.keys.count)", "users": "\(pending.users.count)",
                    "cleared": "\(pending.clearAll)", "shared": "\(adopted.count)",
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
