import Cloakroom
import CloakroomTokens
import Foundation
import Hummingbird

/// An error answered as `{"error": {"code": "…", "message": "…"}}` with a fitting status.
public struct APIError: HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable, snake_case code to switch on.
    public var code: String
    /// What was wrong and what to do; never holds a secret.
    public var message: String
    /// Extra headers, e.g. `WWW-Authenticate`.
    public var headers: HTTPFields = [:]

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// Writes the error shape.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        let body = ErrorBody(error: .init(code: code, message: message))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data(#"{"error":{"code":"internal","message":""}}"#.utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
        }
        var error: Detail
    }

    /// 400 with code `bad_request`.
    static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message: message)
    }

    /// Token errors: a bad scope is bad input; anything else about a token is 401.
    init(_ error: TokenError) {
        switch error.code {
        case .invalidScope: self.init(.badRequest, code: "invalid_scope", message: error.message)
        case .invalidRefreshToken: self.init(.unauthorized, code: "invalid_refresh_token", message: error.message)
        case .refreshTokenReused: self.init(.unauthorized, code: "refresh_token_reused", message: error.message)
        default: self.init(.unauthorized, code: "invalid_token", message: error.message)
        }
    }

    /// The one mapping from library errors to HTTP statuses and codes.
    init(_ error: CloakroomError) {
        switch error.code {
        case .invalidSessionID: self.init(.badRequest, code: "invalid_session_id", message: error.message)
        case .sessionNotFound: self.init(.notFound, code: "session_not_found", message: error.message)
        case .versionConflict: self.init(.conflict, code: "version_conflict", message: error.message)
        case .dataTooLarge: self.init(.contentTooLarge, code: "data_too_large", message: error.message)
        case .invalidUserID: self.init(.badRequest, code: "invalid_user_id", message: error.message)
        case .invalidData: self.init(.badRequest, code: "invalid_data", message: error.message)
        case .tooManySessions: self.init(.conflict, code: "too_many_sessions", message: error.message)
        // Unreadable stored bytes mean "no session" to the caller; the operator sees the log.
        case .corruptRecord, .decryptionFailed:
            self.init(
                .notFound,
                code: "session_unreadable",
                message: "the session's stored record cannot be read; sign in again"
            )
        case .storeFull: self.init(.serviceUnavailable, code: "store_full", message: error.message)
        default:
            self.init(
                .serviceUnavailable,
                code: "store_unavailable",
                message: "the session store is unavailable; retry shortly"
            )
        }
    }
}
