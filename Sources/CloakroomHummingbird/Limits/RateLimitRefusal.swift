import Cloakroom
import CloakroomWeb
import Hummingbird

/// The `429 Too Many Requests` answer, with `Retry-After` in whole seconds.
struct RateLimitRefusal: HTTPResponseError {
    let retryAfterSeconds: Int
    let message: String

    var status: HTTPResponse.Status { .tooManyRequests }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfterSeconds)
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}

extension RateLimitVerdict {
    /// Throws the Hummingbird answer for a refusal (`429` with `message`) or an unavailable
    /// limit store (`503`); returns when the request may go ahead.
    func enforce(message: String) throws {
        switch self {
        case .pass: return
        case .refused(let seconds): throw RateLimitRefusal(retryAfterSeconds: seconds, message: message)
        case .unavailable: throw HTTPError(.serviceUnavailable, message: Self.unavailableMessage)
        }
    }
}
