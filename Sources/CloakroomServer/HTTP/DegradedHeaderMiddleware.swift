import Cloakroom
import Hummingbird

/// Adds `Cloakroom-Degraded: 1` to every response while a store composition serves without one
/// of its stores, so that clients and load balancers can tell.
struct DegradedHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    let store: any ComposedSessionStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        // Read after the request: the store may have been dropped or taken back while it ran.
        if store.isDegraded { response.headers[.cloakroomDegraded] = "1" }
        return response
    }
}

extension HTTPFields.Element.Name {
    /// `Cloakroom-Degraded`.
    static let cloakroomDegraded = Self("Cloakroom-Degraded")!
}
