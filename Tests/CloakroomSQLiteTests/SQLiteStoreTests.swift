import Cloakroom
import CloakroomTesting
import Foundation
import GRDB
import Synchronization
import Testing

@testable import CloakroomSQLite

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test(arguments: StoreConformance.Check.allCases)
    func conformance(_ check: StoreConformance.Check) async throws {
        let folder = try TemporaryFolder()
        try await StoreConformance.run(check, corrupt: Self.corrupt) {
            try SQLiteSessionStore(path: folder.url.appendingPathComponent("sessions.sqlite").path)
        }
    }

    @Test(arguments: LimitStoreConformance.Check.allCases)
    func limits(_ check: LimitStoreConformance.Check) async throws {
        let folder = try TemporaryFolder()
        try await LimitStoreConformance.run(check) {
            try SQLiteSessionStore(path: folder.url.appendingPathComponent("sessions.sqlite").path)
        }
    }

    @Test(arguments: RepairJournalConformance.Check.allCases)
    func repairJournal(_ check: RepairJournalConformance.Check) async throws {
        let folder = try TemporaryFolder()
        try await RepairJournalConformance.run(check) {
            try SQLiteSessionStore(path: folder.url.appendingPathComponent("sessions.sqlite").path)
        }
    }

    @Sendable static func corrupt(_ store: any SessionStore, _ key: SessionKey) async throws {
        let store = try #require(store as? SQLiteSessionStore)
        let queue = try DatabaseQueue(path: store.path)
        try await queue.write { db in
            try db.execute(
                sql: "UPDATE cloakroom_sessions SET metadata = x'00ff13' WHERE key = ?",
                arguments: [Data(key.bytes)]
            )
        }
    }

    @Test func sessionsSurviveReopeningAndSchemaIsVersioned() async throws {
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("nested/dir/sessions.sqlite").path
        let clock = ManualClock()
        let first = try SQLiteSessionStore(path: path)
        let issued = try await SessionManager(store: first, clock: clock).create(userID: "u", data: ["k": "v"])
        await first.close()

        let second = try SQLiteSessionStore(path: path)
        #expect(try await SessionManager(store: second, clock: clock).resume(issued.id)?.data["k"] == "v")
        let journal = try await second.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        let migrations = try await second.pool.read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        #expect(migrations == ["v1: sessions", "v2: rate limits", "v3: shared repair journal"])
        await second.close()
    }

    @Test func noRawIDInAnyStoredByte() async throws {
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("sessions.sqlite").path
        let store = try SQLiteSessionStore(path: path)
        let cipher = try SessionCipher(keys: [EncryptionKey.generate(id: "k1")])
        let manager = try SessionManager(store: store, cipher: cipher)
        let issued = try await manager.create(userID: "u", data: ["marker": "PLAINTEXT-MARKER"])
        await store.close()
        var bytes = Data()
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.url.path) {
            bytes.append(try Data(contentsOf: folder.url.appendingPathComponent(file)))
        }
        #expect(bytes.range(of: Data(issued.id.encoded.utf8)) == nil)
        #expect(bytes.range(of: Data(issued.id.bytes)) == nil)
        #expect(bytes.range(of: Data("PLAINTEXT-MARKER".utf8)) == nil)
    }
}

@Suite("SQLite store shared by several instances")
struct SQLiteSharedStoreTests {
    /// Two pools on one file behave like two processes: writers wait for each other (busy timeout).
    @Test func twoInstancesLoseNoUpdates() async throws {
        let folder = try TemporaryFolder()
        try await StoreConformance.runSharedInstances { try SQLiteSessionStore(path: folder.path("shared.sqlite")) }
    }

    /// Per-request calls run in place with SQLite's busy timeout at zero; one that finds another
    /// process holding the write lock must wait for it elsewhere (not fail), and reads go on.
    @Test func aWriteWaitsForAnotherProcessesLockWhileReadsGoOn() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("busy.sqlite")
        let store = try SQLiteSessionStore(path: path)
        let manager = try SessionManager(store: store)
        let issued = try await manager.create(userID: "u", data: ["n": 1])
        let lock = try await WriteLockHolder.take(of: path)
        #expect(try await manager.resume(issued.id)?.data["n"] == 1)
        #expect(lock.isHeld, "the read waited until the other connection let go of the write lock")
        let update = Task { try await manager.update(issued.id, changes: SessionChanges(set: ["n": 2])) }
        // Longer than any busy timeout the in-place path might wrongly keep.
        try await Task.sleep(for: .milliseconds(300))
        try await lock.release()
        #expect(try await update.value.data["n"] == 2)
        #expect(try await manager.resume(issued.id)?.data["n"] == 2)
        await store.close()
    }

    /// A lock held longer than the busy timeout fails the write with a clear error; nothing hangs.
    @Test func aLockHeldPastTheBusyTimeoutFailsTheWrite() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("busy.sqlite")
        let store = try SQLiteSessionStore(path: path, busyTimeout: .milliseconds(100))
        let manager = try SessionManager(store: store)
        let issued = try await manager.create(data: ["n": 1])
        let lock = try await WriteLockHolder.take(of: path)
        let error = await #expect(throws: CloakroomError.self) {
            try await manager.update(issued.id, changes: SessionChanges(set: ["n": 2]))
        }
        #expect(error?.code == .storeUnavailable)
        #expect(error?.message.contains("locked") == true)
        #expect(lock.isHeld)
        try await lock.release()
        #expect(try await manager.resume(issued.id)?.data["n"] == 1)
        await store.close()
    }

    /// The writer checkpoints the log itself (off the cooperative pool): without it the WAL file
    /// would grow with every write, since SQLite's automatic checkpoint is off on that connection.
    @Test func theWriteAheadLogStaysBounded() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("wal.sqlite")
        let store = try SQLiteSessionStore(path: path)
        let manager = try SessionManager(store: store)
        let issued = try await manager.create(data: ["n": 0])
        for value in 1...1500 {
            _ = try await manager.update(issued.id, changes: SessionChanges(set: ["n": .number(Double(value))]))
        }
        let walBytes = try #require(FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
        // 1000 pages of 4 KiB and a little: what SQLite's own automatic checkpoint would allow.
        #expect(walBytes < 4_300_000, "the WAL holds \(walBytes) bytes")
        #expect(try await manager.resume(issued.id)?.data["n"] == 1500)
        await store.close()
    }

    /// After `close()`, calls fail as unavailable instead of touching a closed connection.
    @Test func callsAfterCloseFail() async throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteSessionStore(path: folder.path("closed.sqlite"))
        let issued = try await SessionManager(store: store).create(data: ["n": 1])
        await store.close()
        let error = await #expect(throws: CloakroomError.self) { try await store.load(issued.id.key, now: Date()) }
        #expect(error?.code == .storeUnavailable)
    }
}

/// Another connection (as another process would) holding the write lock of a store's file, from
/// the moment `take` returns until `release()`: the lock tests depend on no timing but their own.
final class WriteLockHolder: Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let held = Mutex(false)
    private let holding = Mutex<Task<Void, any Error>?>(nil)

    /// Whether the other connection still holds the lock.
    var isHeld: Bool { held.withLock { $0 } }

    /// Answers once the other connection has taken the lock; it lets go after `release()`, or
    /// after `limitSeconds` so that a failing test ends instead of hanging.
    static func take(of path: String, limitSeconds: Int = 30) async throws -> WriteLockHolder {
        let holder = WriteLockHolder()
        let other = try DatabaseQueue(path: path)
        let (taken, signal) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            defer { signal.finish() }
            try await other.write { db in
                try db.execute(sql: "UPDATE cloakroom_sessions SET version = version")
                holder.held.withLock { $0 = true }
                signal.yield()
                _ = holder.released.wait(timeout: .now() + .seconds(limitSeconds))
                holder.held.withLock { $0 = false }
            }
        }
        holder.holding.withLock { $0 = task }
        for await _ in taken { return holder }
        // The stream ended without the lock taken: the task's error says why.
        try await task.value
        throw LockNotTaken()
    }

    private struct LockNotTaken: Error, CustomStringConvertible {
        var description: String { "the other connection ended without taking the write lock" }
    }

    /// Lets go of the lock and waits until the other connection has committed.
    func release() async throws {
        released.signal()
        try await holding.withLock { $0 }?.value
    }
}
