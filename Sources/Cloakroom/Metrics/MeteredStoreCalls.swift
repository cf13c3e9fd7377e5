import Foundation
import Metrics
import Tracing

/// The store calls a ``SessionManager`` makes, each counted and timed in
/// `cloakroom_store_calls_total{store, operation, outcome}` and
/// `cloakroom_store_calls_duration_seconds{store, operation}`, and traced as a client span
/// `cloakroom.store.<operation>` with the attribute `cloakroom.store`.
///
/// The manager keeps the store itself public and unwrapped (callers look at its type), and makes
/// its own calls through this. With encryption keys, the records' client fields are sealed on the
/// way in and opened on the way out here (see `ClientFactsSealing.swift`), so no write of the
/// manager can store them in clear.
struct MeteredStoreCalls: Sendable {
    enum Operation: String, CaseIterable, Sendable {
        case load, insert
        case compareAndSet = "compare_and_set"
        case touch, delete
        case listUser = "list_user"
        case deleteUser = "delete_user"
    }

    let store: any SessionStore
    let cipher: SessionCipher
    private let metrics: OperationMetrics<Operation>

    init(store: any SessionStore, cipher: SessionCipher, factory: any MetricsFactory, tracer: any Tracer) {
        self.store = store
        self.cipher = cipher
        metrics = OperationMetrics(
            prefix: "cloakroom_store_calls",
            extraDimensions: [("store", store.name)],
            factory: factory,
            spanPrefix: "cloakroom.store",
            spanKind: .client,
            tracer: tracer
        )
    }

    func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        try await metrics.measure(.load) { try await store.load(key, now: now) }?.openingClientFacts(with: cipher)
    }

    func insert(_ session: StoredSession, now: Date) async throws {
        let sealed = try session.sealingClientFacts(with: cipher)
        try await metrics.measure(.insert) { try await store.insert(sealed, now: now) }
    }

    func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws -> [SessionKey] {
        let sealed = try session.sealingClientFacts(with: cipher)
        return try await metrics.measure(.insert) { try await store.insert(sealed, within: limit, now: now) }
    }

    func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        let sealed = try session.sealingClientFacts(with: cipher)
        return try await metrics.measure(.compareAndSet) {
            try await store.compareAndSet(sealed, expectedVersion: expectedVersion, now: now)
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
            .map { $0.openingClientFacts(with: cipher) }
    }

    func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        try await metrics.measure(.deleteUser) { try await store.deleteAll(ofUser: userID, except: except, now: now) }
    }
}
