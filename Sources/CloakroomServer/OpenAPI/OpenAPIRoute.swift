import Hummingbird
import NIOCore

/// `GET /openapi.json`: the OpenAPI 3.1 description of the HTTP API, for client generators and
/// conformance checkers. Public, like the API's documentation: it holds no secret.
enum OpenAPIRoute {
    /// The checked-in `openapi.json`, byte for byte.
    static let document = ByteBuffer(string: OpenAPIDocument.json + "\n")

    @Sendable static func serve(_ request: Request, context: some RequestContext) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300",
                .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: document)
        )
    }
}
