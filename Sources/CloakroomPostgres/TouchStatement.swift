import Cloakroom
import Foundation
import PostgresNIO

/// The activity update a resume makes once per touch interval, as a statement each connection
/// prepares once (see ``LoadStatement`` for why).
///
/// Deadlines only move forward (`GREATEST`), so a touch that arrives after a newer one changes
/// nothing; the record's version stays as it was (see the store contract's `touch`).
struct TouchStatement: PostgresPreparedStatement {
    static let name = "cloakroom_touch_v1"
    static let sql = """
        UPDATE cloakroom_sessions SET
            last_seen_at = GREATEST(last_seen_at, $2),
            idle_deadline = GREATEST(idle_deadline, $3),
            deadline = LEAST(GREATEST(idle_deadline, $3), absolute_deadline)
        WHERE key = $1 AND deadline > $4
        RETURNING 1
        """
    static let bindingDataTypes: [PostgresDataType] = [.bytea, .timestamptz, .timestamptz, .timestamptz]

    typealias Row = Void

    /// The record touched.
    var key: SessionKey
    /// When the session was last used.
    var lastSeenAt: Date
    /// The idle deadline that activity earns.
    var idleDeadline: Date
    /// Records whose deadline is at or before this are not live and are left alone.
    var now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(PostgresSessionStore.bytes(key))
        bindings.append(lastSeenAt)
        bindings.append(idleDeadline)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}
