/// What a limiter does when its store cannot answer.
public enum LimitStoreFailurePolicy: Sendable, Hashable {
    /// Answer `503 Service Unavailable`: nothing passes unchecked. The default.
    case refuse
    /// Let the request through unchecked, keeping the site up while the store is down.
    case allow
}
