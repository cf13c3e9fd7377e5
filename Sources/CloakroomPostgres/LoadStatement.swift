import Cloakroom
import Foundation
import PostgresNIO

/// The look-up every resume makes, as a statement each connection prepares once.
///
/// Sent as a one-off query, PostgreSQL parses and plans the look-up on every call: ~65 µs of a
/// ~180 µs round trip on loopback (pgbench, BENCHMARKS.md). Prepared, each connection plans it on
/// its first use and then only binds and executes. The columns are named, so a later migration
/// that adds columns leaves the statement's result unchanged.
struct LoadStatement: PostgresPreparedStatement {
    static let name = "cloakroom_load_v1"
    static let sql =
        "SELECT \(PostgresSessionStore.columns) FROM cloakroom_sessions WHERE key = $1 AND deadline > $2"
    static let bindingDataTypes: [PostgresDataType] = [.bytea, .timestamptz]

    typealias Row = StoredSession

    /// The key looked up.
    var key: SessionKey
    /// Records whose deadline is at or before this are not live.
    var now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(PostgresSessionStore.bytes(key))
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> StoredSession {
        try PostgresSessionStore.session(from: row)
    }
}
