import Hummingbird

/// Answers 405 with `Allow` (RFC 9110 §15.5.6) when a path exists but not with the request's
/// method; Hummingbird's router answers 404 for both.
///
/// Added to the router after every route, so that it wraps only the router's not-found answer:
/// a route's middlewares are fixed when the route is added.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's path segments (`nil` for a parameter) and methods.
    private let table: [(segments: [Substring?], methods: [String])]

    init(routes: [Router<Context>.RouteDescription]) {
        var methods: [String: [String]] = [:]
        for route in routes { methods[route.path.description, default: []].append(route.method.rawValue) }
        table = methods.map { path, methods in
            (
                path.split(separator: "/").map { Self.isParameter($0) ? nil : $0 },
                methods.sorted()
            )
        }
    }

    /// `{name}` or `:name` (how a route path prints a parameter), or a wildcard.
    private static func isParameter(_ segment: Substring) -> Bool {
        segment.hasPrefix(":") || segment.hasPrefix("{") || segment == "*"
    }

    /// The methods the path takes, empty when no route has it.
    func allowedMethods(path: String) -> [String] {
        let segments = path.split(separator: "/")
        return table.first { entry in
            entry.segments.count == segments.count
                && zip(entry.segments, segments).allSatisfy { pattern, segment in pattern.map { $0 == segment } ?? true
                }
        }?.methods ?? []
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let allowed = allowedMethods(path: request.uri.path)
        guard !allowed.isEmpty else { return try await next(request, context) }
        throw APIError(
            .methodNotAllowed,
            code: .methodNotAllowed,
            message: "this endpoint takes only \(allowed.joined(separator: ", "))",
            headers: [.allow: allowed.joined(separator: ", ")]
        )
    }
}
