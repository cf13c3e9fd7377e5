import Foundation
import Metrics

/// The store calls a ``SessionManager`` makes, each counted and timed in
/// `cloakroom_store_calls_total{store, operation, outcome}` and
/// `cloakroom_store_calls_duration_seconds{store, operation}`.
///
/// The manager keeps the store itself public and unwrapped (callers look at its type), and makes
/// its own calls through this.
struct MeteredStoreCalls: Sendable {
    enum Operation: String, CaseIterable, Sendable {
        case load, insert
        case compareAndSet = "compare_and_set"
        case touch, delete
        case listUser = "list_user"
        case deleteUser = "delete_user"
    }

    let store: any SessionStore
    private let metrics: OperationMetrics<Operation>

    init(store: any SessionStore, factory: any MetricsFactory) {
        self.store = store
        metrics = OperationMetrics(
            prefix: "cloakroom_store_calls",
            extraDimensions: [("store", store.name)],
            factory: factory
        )
    }

    func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        try await metrics.measure(.load) { try await store.load(key, now: now) }
    }

    func insert(_ session: StoredSession, now: Date) async throws {
        try await metrics.measure(.insert) { try await store.insert(session, now: now) }
    }

    func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws -> [SessionKey] {
        try await metrics.measure(.insert) { try await store.insert(session, within: limit, now: now) }
    }

    func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        try await metrics.measure(.compareAndSet) {
            try await store.compareAndSet(session, expectedVersion: expectedVersion, now: now)
        }
    }

    func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        try await metrics.measure(.touch) {
            try await store.touch(key, lastSeenAt: lastSeenAt, idleDeadline: idleDeadline, now: now)
        }
    }

    func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        try await metrics.measure(.delete) { try await store.delete(key, now: now) }
    }

    func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        try await metrics.measure(.listUser) { try await store.sessions(ofUser: userID, now: now) }
    }

    func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        try await metrics.measure(.deleteUser) { try await store.deleteAll(ofUser: userID, except: except, now: now) }
    }
}
