import Cloakroom
import Foundation
import PostgresNIO

/// The write every changed session makes, as a statement each connection prepares once (see
/// ``LoadStatement`` for why).
///
/// The row is replaced only while it is live and still at the version the writer read, so of
/// two writers racing from the same version exactly one succeeds (invariant: no lost updates).
struct CompareAndSetStatement: PostgresPreparedStatement {
    static let name = "cloakroom_compare_and_set_v1"
    static let sql = """
        UPDATE cloakroom_sessions SET
            user_id = $2, payload = $3, metadata = $4::jsonb, last_seen_at = $5, idle_deadline = $6,
            absolute_deadline = $7, deadline = $8, version = $9
        WHERE key = $1 AND version = $10 AND deadline > $11
        RETURNING 1
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .bytea, .text, .bytea, .text, .timestamptz, .timestamptz, .timestamptz, .timestamptz, .int8, .int8,
        .timestamptz,
    ]

    typealias Row = Void

    /// The record as it is to be stored.
    var session: StoredSession
    /// Its metadata as JSON text, encoded before the call so that an encoding error is not a
    /// database error.
    var metadata: String
    /// The version the writer read.
    var expectedVersion: UInt64
    /// Records whose deadline is at or before this are not live and are left alone.
    var now: Date

    init(_ session: StoredSession, expectedVersion: UInt64, now: Date) throws(CloakroomError) {
        self.session = session
        self.metadata = try PostgresSessionStore.json(session.metadata)
        self.expectedVersion = expectedVersion
        self.now = now
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 11)
        bindings.appendColumns(of: session, metadata: metadata)
        bindings.append(Int64(bitPattern: expectedVersion))
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}
