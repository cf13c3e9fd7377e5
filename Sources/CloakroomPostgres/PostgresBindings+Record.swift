import Cloakroom
import PostgresNIO

extension PostgresBindings {
    /// Appends a record's nine columns in the table's order (key, user ID, payload, metadata, last
    /// seen, idle deadline, absolute deadline, deadline, version): the first nine parameters of
    /// ``InsertStatement`` and ``CompareAndSetStatement``.
    mutating func appendColumns(of session: StoredSession, metadata: String) {
        append(PostgresSessionStore.bytes(session.key))
        append(session.userID)
        append(PostgresSessionStore.bytes(session.payload))
        append(metadata)
        append(session.metadata.lastSeenAt)
        append(session.idleDeadline)
        append(session.absoluteDeadline)
        append(session.deadline)
        append(Int64(bitPattern: session.version))
    }
}
