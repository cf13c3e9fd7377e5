import Cloakroom
import Foundation
import GRDB

/// Rate limits in the same SQLite file as the sessions (table `cloakroom_limits`): each step is
/// one write transaction, so processes sharing the file share the limits.
extension SQLiteSessionStore: LimitStore {
    /// One rate-limit step for a bucket (see `CellRate`), applied atomically.
    public func advanceArrival(_ key: LimitKey, by increment: Int64, tolerance: Int64, now: Int64) async throws
        -> CellRate.Step
    {
        // On the in-place writer, as the per-request session writes: rate limits sit on request
        // paths too, and two writers in one process would wait for each other's lock.
        let key = key.bytes
        return try await writingInPlace { connection throws(SQLiteFailure) in
            try connection.transaction { () throws(SQLiteFailure) in
                var stored: Int64?
                try connection.query("SELECT arrival FROM cloakroom_limits WHERE key = ?", [.blob(key)]) { columns in
                    stored = columns.integer(0)
                }
                let (step, store) = CellRate.step(stored: stored, increment: increment, tolerance: tolerance, now: now)
                if let store {
                    try connection.run(
                        """
                        INSERT INTO cloakroom_limits (key, arrival) VALUES (?, ?)
                        ON CONFLICT (key) DO UPDATE SET arrival = excluded.arrival
                        """,
                        [.blob(key), .integer(store)]
                    )
                }
                return step
            }
        }
    }

    /// Forgets a rate-limit bucket's state, so its key starts full again.
    public func resetLimit(_ key: LimitKey) async throws {
        let key = key.bytes
        try await writingInPlace { connection throws(SQLiteFailure) in
            _ = try connection.run("DELETE FROM cloakroom_limits WHERE key = ?", [.blob(key)])
        }
    }

    /// Deletes rate-limit state of buckets that have refilled; answers how many.
    public func pruneLimits(now: Int64) async throws -> Int {
        try await writing { db in
            try db.execute(sql: "DELETE FROM cloakroom_limits WHERE arrival <= ?", arguments: [now])
            return db.changesCount
        }
    }
}
