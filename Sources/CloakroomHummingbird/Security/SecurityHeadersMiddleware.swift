import Hummingbird

/// Adds ``SecurityHeaders`` to every response, errors included.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let fields: [(HTTPFields.Element.Name, String)]

    /// Creates the middleware; the defaults are strict (see ``SecurityHeaders``).
    public init(_ headers: SecurityHeaders = SecurityHeaders()) {
        let all: [(HTTPFields.Element.Name, String?)] = [
            (.strictTransportSecurity, headers.strictTransportSecurity),
            (.contentSecurityPolicy, headers.contentSecurityPolicy),
            (.xContentTypeOptions, headers.contentTypeOptions),
            (HTTPFields.Element.Name("X-Frame-Options")!, headers.frameOptions),
            (HTTPFields.Element.Name("Referrer-Policy")!, headers.referrerPolicy),
            (HTTPFields.Element.Name("Cross-Origin-Opener-Policy")!, headers.crossOriginOpenerPolicy),
            (HTTPFields.Element.Name("Cross-Origin-Resource-Policy")!, headers.crossOriginResourcePolicy),
        ]
        fields = all.compactMap { name, value in value.map { (name, $0) } }
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
