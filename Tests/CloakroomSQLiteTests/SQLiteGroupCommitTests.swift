import Cloakroom
import CloakroomTesting
import Foundation
import GRDB
import Testing

@testable import CloakroomSQLite

@Suite("SQLite group commit")
struct SQLiteGroupCommitTests {
    /// Writes queued behind a busy one run in one transaction, yet each caller gets its own
    /// answer and a failed write leaves nothing behind while the others commit.
    @Test func queuedWritesCommitTogetherAndFailAlone() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("group.sqlite")
        let store = try SQLiteSessionStore(path: path)
        let writer = SQLiteGroupCommit(
            connections: SQLiteConnectionPool(path: path, readOnly: false, maximumCount: 1, busyTimeout: .seconds(10))
        )
        let insert = "INSERT INTO cloakroom_limits (key, arrival) VALUES (?, 1)"
        let lock = try await WriteLockHolder.take(of: path)
        // The first write finds the lock taken and waits for it, leading; the rest queue behind it.
        let first = Task {
            try await writer.write { connection throws(SQLiteFailure) in
                try connection.run(insert, [.blob([1])])
                return connection.isAutocommit
            }
        }
        try await waitUntil { writer.isWriting }
        let inserted = Task {
            try await writer.write { connection throws(SQLiteFailure) in
                try connection.run(insert, [.blob([2])])
                return connection.isAutocommit
            }
        }
        try await waitUntil { writer.queuedCount == 1 }
        let conflicting = Task {
            try await writer.write { connection throws(SQLiteFailure) in
                try connection.run(insert, [.blob([3])])
                try connection.run(insert, [.blob([2])])
            }
        }
        let refused = Task {
            try await writer.write { connection throws(SQLiteFailure) -> Result<Void, CloakroomError> in
                try connection.transaction { () throws(SQLiteFailure) -> Result<Void, CloakroomError> in
                    try connection.run(insert, [.blob([4])])
                    return .failure(CloakroomError(.duplicateKey, "refused on purpose"))
                }
            }
        }
        let last = Task {
            try await writer.write { connection throws(SQLiteFailure) in
                try connection.transaction { () throws(SQLiteFailure) in try connection.run(insert, [.blob([5])]) }
            }
        }
        try await waitUntil { writer.queuedCount == 4 }
        try await lock.release()

        #expect(try await first.value == true, "the first write ran alone")
        #expect(try await inserted.value == false, "the queued writes ran inside one transaction")
        await #expect(throws: SQLiteFailure.self) { try await conflicting.value }
        await #expect(throws: CloakroomError.self) { try await refused.value.get() }
        #expect(try await last.value == 1)
        let keys = try await store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT key FROM cloakroom_limits ORDER BY key").map { $0.first }
        }
        #expect(keys == [1, 2, 5])
        writer.close()
        await store.close()
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            try #require(ContinuousClock.now < deadline, "the writes did not queue in 10 s")
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
