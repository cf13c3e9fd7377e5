import Cloakroom
import Crypto
import Foundation
import Hummingbird
import ServiceLifecycle

/// Hummingbird's `PersistDriver` over any Cloakroom store, so code built on hummingbird-auth's
/// `SessionMiddleware` (or on `PersistDriver` directly) moves to SQLite, PostgreSQL or Redis in
/// one line:
///
/// ```swift
/// router.add(middleware: SessionMiddleware(storage: CloakroomPersistDriver(store: sqliteStore)))
/// ```
///
/// Keys are stored as their SHA-256, so a session ID used as a key never reaches the store;
/// values as JSON, sealed by `cipher` when one is given. Records written here are not Cloakroom
/// sessions: keep them in a store (or key prefix) of their own.
public struct CloakroomPersistDriver: PersistDriver {
    let store: any SessionStore
    let cipher: SessionCipher
    let clock: any SessionClock
    let longestLifetime: Duration

    /// Creates the driver.
    ///
    /// - Parameters:
    ///   - store: where the values live, as session records.
    ///   - cipher: seals values at rest; clear text by default.
    ///   - longestLifetime: the lifetime of values written without an expiry (stores need a
    ///     deadline); 400 days by default.
    ///   - clock: what "now" is, for expiry.
    public init(
        store: any SessionStore,
        cipher: SessionCipher = .plaintext,
        clock: any SessionClock = SystemSessionClock(),
        longestLifetime: Duration = .seconds(400 * 86_400)
    ) {
        self.store = store
        self.cipher = cipher
        self.clock = clock
        self.longestLifetime = longestLifetime
    }

    /// Nothing runs in the background: the store's owner runs its services.
    public func run() async throws {
        try await gracefulShutdown()
    }

    /// Stores `value` under `key`; throws `PersistError.duplicate` when the key is live.
    public func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let now = clock.now
        let record = try makeRecord(key: key, value: value, deadline: lifetimeEnd(now, expires), version: 1, now: now)
        do {
            try await store.insert(record, now: now)
        } catch let error as CloakroomError where error.code == .duplicateKey {
            throw PersistError.duplicate
        }
    }

    /// Stores `value` under `key`, replacing what is there; `expires == nil` keeps the current
    /// expiry of an existing value.
    public func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let storeKey = Self.storeKey(key)
        while true {
            let now = clock.now
            if let existing = try await store.load(storeKey, now: now) {
                let deadline = expires.map { lifetimeEnd(now, $0) } ?? existing.absoluteDeadline
                let next = try makeRecord(
                    key: key,
                    value: value,
                    deadline: deadline,
                    version: existing.version + 1,
                    now: now,
                    createdAt: existing.metadata.createdAt
                )
                if try await store.compareAndSet(next, expectedVersion: existing.version, now: now) { return }
            } else {
                let record = try makeRecord(
                    key: key,
                    value: value,
                    deadline: lifetimeEnd(now, expires),
                    version: 1,
                    now: now
                )
                do {
                    try await store.insert(record, now: now)
                    return
                } catch let error as CloakroomError where error.code == .duplicateKey {
                    continue  // another writer created it first: replace theirs
                }
            }
        }
    }

    /// The value under `key` as `Object`, or `nil` when absent, expired or of another shape.
    public func get<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: Object.self)?.object
    }

    /// The value under `key` with the time it has left.
    public func getWithTTL<Object: Codable & Sendable>(
        key: String,
        as: Object.Type
    ) async throws -> (object: Object, ttl: Duration?)? {
        let now = clock.now
        let storeKey = Self.storeKey(key)
        guard let record = try await store.load(storeKey, now: now) else { return nil }
        let json = try cipher.open(record.payload, for: storeKey)
        guard let object = try? JSONDecoder().decode(Object.self, from: Data(json)) else { return nil }
        let left = record.deadline.timeIntervalSince(now)
        return (object, .milliseconds(Int64((left * 1000).rounded(.down))))
    }

    /// Removes the value under `key`.
    public func remove(key: String) async throws {
        _ = try await store.delete(Self.storeKey(key), now: clock.now)
    }

    /// The store key of a driver key: its SHA-256.
    package static func storeKey(_ key: String) -> SessionKey {
        SessionKey(bytes: Array(SHA256.hash(data: Array(key.utf8))))!
    }

    private func lifetimeEnd(_ now: Date, _ expires: Duration?) -> Date {
        let lifetime = min(expires ?? longestLifetime, longestLifetime)
        return now.addingTimeInterval(lifetime.seconds)
    }

    private func makeRecord(
        key: String,
        value: some Encodable,
        deadline: Date,
        version: UInt64,
        now: Date,
        createdAt: Date? = nil
    ) throws -> StoredSession {
        let storeKey = Self.storeKey(key)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return StoredSession(
            key: storeKey,
            userID: nil,
            payload: try cipher.seal(Array(try encoder.encode(value)), for: storeKey),
            metadata: SessionMetadata(createdAt: createdAt ?? now, lastSeenAt: now),
            idleDeadline: deadline,
            absoluteDeadline: deadline,
            version: version
        )
    }
}
