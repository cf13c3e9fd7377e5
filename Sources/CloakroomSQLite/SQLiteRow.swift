import Cloakroom
import Foundation
import GRDB

/// A record laid out as a row of `cloakroom_sessions`, both ways: the header's fields in columns
/// the queries filter and sort on (times as seconds since 1970, `deadline` the earlier of the
/// two), the metadata as JSON with `last_seen_at` kept in its own column.
struct SQLiteRow: Sendable {
    var key: [UInt8]
    var userID: String?
    var payload: [UInt8]
    var metadata: [UInt8]
    var lastSeenAt: Double
    var idleDeadline: Double
    var absoluteDeadline: Double
    var deadline: Double
    var version: Int64

    /// The columns every query that reads whole records selects, in the order
    /// ``init(columns:)`` reads them.
    static let columnList =
        "key, user_id, payload, metadata, last_seen_at, idle_deadline, absolute_deadline, deadline, version"

    init(_ session: StoredSession) throws(CloakroomError) {
        key = session.key.bytes
        userID = session.userID
        payload = session.payload
        metadata = try session.metadata.jsonBytes()
        lastSeenAt = session.metadata.lastSeenAt.timeIntervalSince1970
        idleDeadline = session.idleDeadline.timeIntervalSince1970
        absoluteDeadline = session.absoluteDeadline.timeIntervalSince1970
        deadline = session.deadline.timeIntervalSince1970
        version = Int64(bitPattern: session.version)
    }

    /// The columns in the order of ``columnList``, for an `INSERT`.
    var values: [SQLiteValue] {
        [
            .blob(key), userID.map(SQLiteValue.text) ?? .null, .blob(payload), .blob(metadata), .real(lastSeenAt),
            .real(idleDeadline), .real(absoluteDeadline), .real(deadline), .integer(version),
        ]
    }

    /// The columns in the order of ``columnList``, for GRDB.
    var arguments: StatementArguments {
        [
            Data(key), userID, Data(payload), Data(metadata), lastSeenAt, idleDeadline, absoluteDeadline, deadline,
            version,
        ]
    }

    /// The record a row read through a ``SQLiteConnection`` holds (columns as ``columnList``).
    static func session(from columns: SQLiteColumns) throws(CloakroomError) -> StoredSession {
        // The key and the metadata are read where SQLite keeps them: no array each.
        try session(
            key: columns.withBlob(0) { SessionKey(bytes: $0) } ?? nil,
            userID: columns.text(1),
            payload: columns.blob(2),
            metadata: columns.withBlob(3) { SessionMetadata(jsonBytes: $0) } ?? nil,
            lastSeenAt: columns.double(4),
            idleDeadline: columns.double(5),
            absoluteDeadline: columns.double(6),
            version: columns.integer(8)
        )
    }

    /// The record a row read through GRDB holds.
    static func session(from row: Row) throws(CloakroomError) -> StoredSession {
        try session(
            key: (row["key"] as Data?).flatMap { SessionKey(bytes: $0) },
            userID: row["user_id"],
            payload: (row["payload"] as Data?).map(Array.init),
            metadata: (row["metadata"] as Data?).flatMap { SessionMetadata(jsonBytes: $0) },
            lastSeenAt: row["last_seen_at"],
            idleDeadline: row["idle_deadline"],
            absoluteDeadline: row["absolute_deadline"],
            version: row["version"]
        )
    }

    /// The record of a row's columns (key and metadata decoded, `nil` where they could not
    /// be); a row that cannot be read is a corrupt record, never a crash.
    private static func session(
        key: SessionKey?,
        userID: String?,
        payload: [UInt8]?,
        metadata: SessionMetadata?,
        lastSeenAt: Double?,
        idleDeadline: Double?,
        absoluteDeadline: Double?,
        version: Int64?
    ) throws(CloakroomError) -> StoredSession {
        guard let key else {
            throw CloakroomError(.corruptRecord, "SQLite store holds a row with a malformed key; delete it")
        }
        guard let payload, var metadata, let lastSeenAt, let idleDeadline, let absoluteDeadline, let version
        else {
            throw CloakroomError(
                .corruptRecord,
                "SQLite store holds a row for session \(key.handle) that cannot be read; delete it or restore it from a backup"
            )
        }
        metadata.lastSeenAt = Date(timeIntervalSince1970: lastSeenAt)
        return StoredSession(
            key: key,
            userID: userID,
            payload: payload,
            metadata: metadata,
            idleDeadline: Date(timeIntervalSince1970: idleDeadline),
            absoluteDeadline: Date(timeIntervalSince1970: absoluteDeadline),
            version: UInt64(bitPattern: version)
        )
    }
}
