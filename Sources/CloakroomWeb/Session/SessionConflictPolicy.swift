/// What happens when two requests change one key of a session at the same time.
///
/// Use ``SessionHandle/modify(_:forKey:_:)`` for values worked out from their stored value
/// (counters, lists): it never loses a change under either policy. This policy decides what
/// `get` followed by `set` does.
public enum SessionConflictPolicy: Sendable, Hashable {
    /// Requests that change different keys both keep their change; on one key, the request that
    /// saves last wins. The default, as in most session systems.
    case mergeByKey
    /// As ``mergeByKey``, except that a request that read a key and then set or removed it is
    /// refused with `409 Conflict` when another request changed that key after it was read: the
    /// client retries instead of silently overwriting the other change.
    case refuseStaleReads
}
