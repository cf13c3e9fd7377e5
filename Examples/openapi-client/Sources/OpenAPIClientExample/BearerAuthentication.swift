import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Sends the API key on every call, as the description's `apiKey` security scheme asks
/// (`Authorization: Bearer <key>`). Generated clients leave authentication to a middleware.
struct BearerAuthentication: ClientMiddleware {
    let key: String

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(key)"
        return try await next(request, body, baseURL)
    }
}
