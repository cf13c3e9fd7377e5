/// The operations of a ``SessionManager``, as the `operation` label of
/// `cloakroom_session_operations_total` and `cloakroom_session_operations_duration_seconds`.
enum ManagerOperation: String, CaseIterable, Sendable {
    case create, resume, update, rotate, end
    case endAll = "end_all"
    case list
    case changeRecord = "change_record"
}
