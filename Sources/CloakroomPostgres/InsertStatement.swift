import Cloakroom
import Foundation
import PostgresNIO

/// The insert every new session makes, as a statement each connection prepares once (see
/// ``LoadStatement`` for why).
///
/// A dead row with the same key is replaced; a live one is left alone and no row comes back, which
/// the store reports as a duplicate key.
struct InsertStatement: PostgresPreparedStatement {
    static let name = "cloakroom_insert_v1"
    static let sql = """
        INSERT INTO cloakroom_sessions
            (key, user_id, payload, metadata, last_seen_at, idle_deadline, absolute_deadline, deadline, version)
        VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9)
        ON CONFLICT (key) DO UPDATE SET
            user_id = excluded.user_id, payload = excluded.payload, metadata = excluded.metadata,
            last_seen_at = excluded.last_seen_at, idle_deadline = excluded.idle_deadline,
            absolute_deadline = excluded.absolute_deadline, deadline = excluded.deadline,
            version = excluded.version
        WHERE cloakroom_sessions.deadline <= $10
        RETURNING 1
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .bytea, .text, .bytea, .text, .timestamptz, .timestamptz, .timestamptz, .timestamptz, .int8, .timestamptz,
    ]

    typealias Row = Void

    /// The new record.
    var session: StoredSession
    /// Its metadata as JSON text, encoded before the call so that an encoding error is not a
    /// database error.
    var metadata: String
    /// A row whose deadline is at or before this is dead and may be replaced.
    var now: Date

    init(_ session: StoredSession, now: Date) throws(CloakroomError) {
        self.session = session
        self.metadata = try PostgresSessionStore.json(session.metadata)
        self.now = now
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        bindings.appendColumns(of: session, metadata: metadata)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}
