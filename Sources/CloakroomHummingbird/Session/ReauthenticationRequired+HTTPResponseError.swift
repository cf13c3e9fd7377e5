import CloakroomWeb
import Hummingbird
import NIOCore

extension ReauthenticationRequired: HTTPResponseError {
    /// `401 Unauthorized`.
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: Self.statusCode) }

    /// The JSON answer with the code, and the code in `WWW-Authenticate`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "application/json; charset=utf-8",
                .cacheControl: "no-store",
                .wwwAuthenticate: wwwAuthenticate,
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: jsonBody))
        )
    }
}
