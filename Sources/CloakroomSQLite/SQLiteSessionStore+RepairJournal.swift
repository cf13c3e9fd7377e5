import Cloakroom
import Foundation
import GRDB

/// The shared repair journal of a fast store in front of this one (table `cloakroom_repairs`):
/// processes sharing the file share it.
extension SQLiteSessionStore: RepairJournalStore {
    /// Records that the fast store missed a change to `target` (see the protocol requirement).
    public func recordRepair(_ target: SharedRepair.Target, now: Date) async throws {
        try await writing { db in
            let identity = target.identity
            let existing = try Row.fetchOne(
                db,
                sql: "SELECT \(Self.repairColumns) FROM cloakroom_repairs WHERE target = ?",
                arguments: [identity]
            ).flatMap { Self.repair(from: $0)?.target }
            // Delete and insert, so that AUTOINCREMENT numbers the entry after every other.
            try db.execute(sql: "DELETE FROM cloakroom_repairs WHERE target = ?", arguments: [identity])
            let kept = target.replacing(existing)
            switch kept {
            case .session(let key):
                try db.execute(
                    sql: "INSERT INTO cloakroom_repairs (target, session_key) VALUES (?, ?)",
                    arguments: [identity, Data(key.bytes)]
                )
            case .user(let userID, let except, let since):
                try db.execute(
                    sql: "INSERT INTO cloakroom_repairs (target, user_id, except_key, since) VALUES (?, ?, ?, ?)",
                    arguments: [identity, userID, except.map { Data($0.bytes) }, since.timeIntervalSince1970]
                )
            }
        }
    }

    /// Up to `limit` entries, oldest first; a row that does not decode is skipped.
    public func pendingRepairs(limit: Int) async throws -> [SharedRepair] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.repairColumns) FROM cloakroom_repairs ORDER BY sequence LIMIT ?",
                arguments: [max(0, limit)]
            ).compactMap(Self.repair(from:))
        }
    }

    /// Removes these entries unless replaced since.
    public func removeRepairs(_ repairs: [SharedRepair]) async throws {
        guard !repairs.isEmpty else { return }
        let sequences = repairs.map(\.sequence)
        try await writing { db in
            for sequence in sequences {
                try db.execute(sql: "DELETE FROM cloakroom_repairs WHERE sequence = ?", arguments: [sequence])
            }
        }
    }

    private static let repairColumns = "sequence, session_key, user_id, except_key, since"

    private static func repair(from row: Row) -> SharedRepair? {
        let sequence: Int64 = row["sequence"]
        if let keyBytes: Data = row["session_key"] {
            guard let key = SessionKey(bytes: keyBytes) else { return nil }
            return SharedRepair(target: .session(key), sequence: sequence)
        }
        guard let userID: String = row["user_id"], let since: Double = row["since"] else { return nil }
        let exceptBytes: Data? = row["except_key"]
        let except = exceptBytes.flatMap { SessionKey(bytes: $0) }
        if exceptBytes != nil && except == nil { return nil }
        return SharedRepair(
            target: .user(userID, except: except, since: Date(timeIntervalSince1970: since)),
            sequence: sequence
        )
    }
}
