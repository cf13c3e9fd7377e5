import Cloakroom
import Foundation
import PostgresNIO

/// The shared repair journal of a fast store in front of this one (table `cloakroom_repairs`):
/// every instance using the database shares it.
extension PostgresSessionStore: RepairJournalStore {
    /// Records that the fast store missed a change to `target` (see the protocol requirement):
    /// one `INSERT … ON CONFLICT DO UPDATE`, which also gives the entry a new number.
    public func recordRepair(_ target: SharedRepair.Target, now: Date) async throws {
        let identity = target.identity
        let query: PostgresQuery
        switch target {
        case .session(let key):
            query = """
                INSERT INTO cloakroom_repairs AS r (target, session_key) VALUES (\(identity), \(Self.bytes(key)))
                ON CONFLICT (target) DO UPDATE SET sequence = excluded.sequence
                """
        case .user(let userID, let except, let since):
            let exceptBytes = except.map { Self.bytes($0) }
            // A later "end all" covers an earlier one, whichever is recorded last.
            query = """
                INSERT INTO cloakroom_repairs AS r (target, user_id, except_key, since)
                VALUES (\(identity), \(userID), \(exceptBytes), \(since))
                ON CONFLICT (target) DO UPDATE SET sequence = excluded.sequence,
                    except_key = CASE WHEN excluded.since >= r.since THEN excluded.except_key ELSE r.except_key END,
                    since = GREATEST(excluded.since, r.since)
                """
        }
        try await bounded("record repair") { [client, logger] in
            _ = try await client.query(query, logger: logger)
        }
    }

    /// Up to `limit` entries, oldest first; a row that does not decode is skipped.
    public func pendingRepairs(limit: Int) async throws -> [SharedRepair] {
        let limit = max(0, limit)
        return try await bounded("read repairs") { [client, logger] in
            let rows = try await client.query(
                """
                SELECT sequence, session_key, user_id, except_key, since FROM cloakroom_repairs
                ORDER BY sequence LIMIT \(limit)
                """,
                logger: logger
            )
            var repairs: [SharedRepair] = []
            for try await row in rows {
                if let repair = Self.repair(from: row) { repairs.append(repair) }
            }
            return repairs
        }
    }

    /// Removes these entries unless replaced since.
    public func removeRepairs(_ repairs: [SharedRepair]) async throws {
        guard !repairs.isEmpty else { return }
        let sequences = repairs.map(\.sequence)
        try await bounded("remove repairs") { [client, logger] in
            _ = try await client.query(
                "DELETE FROM cloakroom_repairs WHERE sequence = ANY(\(sequences))",
                logger: logger
            )
        }
    }

    private static func repair(from row: PostgresRow) -> SharedRepair? {
        guard
            let (sequence, keyBytes, userID, exceptBytes, since) = try? row.decode(
                (Int64, ByteBuffer?, String?, ByteBuffer?, Date?).self
            )
        else { return nil }
        if let keyBytes {
            guard let key = SessionKey(bytes: keyBytes.readableBytesView) else { return nil }
            return SharedRepair(target: .session(key), sequence: sequence)
        }
        guard let userID, let since else { return nil }
        let except = exceptBytes.flatMap { SessionKey(bytes: $0.readableBytesView) }
        if exceptBytes != nil && except == nil { return nil }
        return SharedRepair(target: .user(userID, except: except, since: since), sequence: sequence)
    }
}
