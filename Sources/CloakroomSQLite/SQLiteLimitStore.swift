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
        let keyData = Data(key.bytes)
        return try await writing { db in
            let stored = try Int64.fetchOne(
                db,
                sql: "SELECT arrival FROM cloakroom_limits WHERE key = ?",
                arguments: [keyData]
            )
            let (step, store) = CellRate.step(stored: stored, increment: increment, tolerance: tolerance, now: now)
            if let store {
                try db.execute(
                    sql: """
                        INSERT INTO cloakroom_limits (key, arrival) VALUES (?, ?)
                        ON CONFLICT (key) DO UPDATE SET arrival = excluded.arrival
                        """,
                    arguments: [keyData, store]
                )
            }
            return step
        }
    }

    /// Forgets a rate-limit bucket's state, so its key starts full again.
    public func resetLimit(_ key: LimitKey) async throws {
        let keyData = Data(key.bytes)
        try await writing { db in
            try db.execute(sql: "DELETE FROM cloakroom_limits WHERE key = ?", arguments: [keyData])
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
