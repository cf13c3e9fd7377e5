import CloakroomHummingbird
import Hummingbird

/// Requires `Authorization: Bearer <API key>` with a scope on every request it guards.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let keys: APIKeyRing
    let scope: APIScope

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let key = keys.key(forAuthorization: request.headers.value(of: .authorization)) else {
            throw APIError(
                .unauthorized,
                code: .unauthorized,
                message: "send a valid API key as 'Authorization: Bearer <key>'",
                headers: [.wwwAuthenticate: "Bearer"]
            )
        }
        guard key.allows(scope) else {
            throw APIError(
                .forbidden,
                code: .forbidden,
                message: "API key '\(key.name)' lacks the '\(scope.rawValue)' scope this call needs"
            )
        }
        var context = context
        context.apiKey = key
        return try await next(request, context)
    }
}
