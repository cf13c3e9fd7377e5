import CloakroomWeb
import Hummingbird

/// Adds ``CloakroomWeb/SecurityHeaders`` to every response, errors included.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let fields: [(HTTPFields.Element.Name, String)]

    /// Creates the middleware; the defaults are strict (see ``CloakroomWeb/SecurityHeaders``).
    public init(_ headers: SecurityHeaders = SecurityHeaders()) {
        // The names are fixed ASCII tokens, so each is a valid field name.
        fields = headers.fields.compactMap { name, value in HTTPFields.Element.Name(name).map { ($0, value) } }
    }

    /// Runs the handler and adds the headers it did not set.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        for (name, value) in fields where response.headers[name] == nil {
            response.headers[name] = value
        }
        return response
    }
}
