import CloakroomWeb
import Hummingbird

extension RateLimitRefusal: HTTPResponseError {
    /// `429 Too Many Requests`.
    public var status: HTTPResponse.Status { .tooManyRequests }

    /// The message as text, with `Retry-After` in whole seconds.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfterSeconds)
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}

extension LimitStoreUnavailable: HTTPResponseError {
    /// `503 Service Unavailable`.
    public var status: HTTPResponse.Status { .serviceUnavailable }

    /// Hummingbird's error answer with ``CloakroomWeb/RateLimitVerdict/unavailableMessage``.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try HTTPError(.serviceUnavailable, message: description).response(from: request, context: context)
    }
}
