import Hummingbird

/// The request context of `cloakroomd`'s routes: Hummingbird's core plus the caller's API key.
public struct APIRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The API key that authenticated the request, once ``AuthenticationMiddleware`` ran.
    public var apiKey: APIKey?

    /// Creates a context for a request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        apiKey = nil
    }
}
