import Cloakroom
import Foundation
import GRDB

/// A record laid out as a row of `cloakroom_sessions`, both ways: the header's fields in columns
/// the queries filter and sort on (times as seconds since 1970, `deadline` the earlier of the
/// two), the metadata as JSON with `last_seen_at` kept in its own column.
struct SQLiteRow: Sendable {
    var key: Data
    var userID: String?
    var payload: Data
    var metadata: Data
    var lastSeenAt: Double
    var idleDeadline: Double
    var absoluteDeadline: Double
    var deadline: Double
    var version: Int64

    init(_ session: StoredSession) throws(CloakroomError) {
        key = Data(session.key.bytes)
        userID = session.userID
        payload = Data(session.payload)
        do {
            metadata = try JSONEncoder().encode(session.metadata)
        } catch {
            throw CloakroomError(.invalidData, "session metadata cannot be encoded: \(error)")
        }
        lastSeenAt = session.metadata.lastSeenAt.timeIntervalSince1970
        idleDeadline = session.idleDeadline.timeIntervalSince1970
        absoluteDeadline = session.absoluteDeadline.timeIntervalSince1970
        deadline = session.deadline.timeIntervalSince1970
        version = Int64(bitPattern: session.version)
    }

    var arguments: StatementArguments {
        [key, userID, payload, metadata, lastSeenAt, idleDeadline, absoluteDeadline, deadline, version]
    }

    /// The record a row holds; a row that cannot be read is a corrupt record, never a crash.
    static func session(from row: Row) throws(CloakroomError) -> StoredSession {
        let keyBytes: Data? = row["key"]
        guard let keyBytes, let key = SessionKey(bytes: keyBytes) else {
            throw CloakroomError(.corruptRecord, "SQLite store holds a row with a malformed key; delete it")
        }
        let corrupt = CloakroomError(
            .corruptRecord,
            "SQLite store holds a row for session \(key.handle) that cannot be read; delete it or restore it from a backup"
        )
        guard let payload = row["payload"] as Data?, let metadataBytes = row["metadata"] as Data?,
            var metadata = try? JSONDecoder().decode(SessionMetadata.self, from: metadataBytes),
            let lastSeenAt = row["last_seen_at"] as Double?,
            let idleDeadline = row["idle_deadline"] as Double?,
            let absoluteDeadline = row["absolute_deadline"] as Double?,
            let version = row["version"] as Int64?
        else { throw corrupt }
        metadata.lastSeenAt = Date(timeIntervalSince1970: lastSeenAt)
        return StoredSession(
            key: key,
            userID: row["user_id"],
            payload: Array(payload),
            metadata: metadata,
            idleDeadline: Date(timeIntervalSince1970: idleDeadline),
            absoluteDeadline: Date(timeIntervalSince1970: absoluteDeadline),
            version: UInt64(bitPattern: version)
        )
    }
}
