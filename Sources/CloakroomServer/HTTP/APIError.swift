import Cloakroom
import CloakroomTokens
import Foundation
import Hummingbird

/// An error answered as `{"error": {"code": "…", "message": "…"}}` with a fitting status.
public struct APIError: HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable code to switch on; written as its snake_case ``Code/rawValue``.
    public var code: Code
    /// What was wrong and what to do; never holds a secret.
    public var message: String
    /// Extra headers, e.g. `WWW-Authenticate`.
    public var headers: HTTPFields = [:]

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: Code, message: String, headers: HTTPFields = [:]) {
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
        let body = ErrorBody(error: .init(code: code.rawValue, message: message))
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
        APIError(.badRequest, code: .badRequest, message: message)
    }

    /// Token errors: a bad scope is bad input; anything else about a token is 401.
    init(_ error: TokenError) {
        switch error.code {
        case .invalidScope: self.init(.badRequest, code: .invalidScope, message: error.message)
        case .invalidRefreshToken: self.init(.unauthorized, code: .invalidRefreshToken, message: error.message)
        case .refreshTokenReused: self.init(.unauthorized, code: .refreshTokenReused, message: error.message)
        default: self.init(.unauthorized, code: .invalidToken, message: error.message)
        }
    }

    /// The one mapping from library errors to HTTP statuses and codes.
    init(_ error: CloakroomError) {
        switch error.code {
        case .invalidSessionID: self.init(.badRequest, code: .invalidSessionID, message: error.message)
        case .sessionNotFound: self.init(.notFound, code: .sessionNotFound, message: error.message)
        case .versionConflict: self.init(.conflict, code: .versionConflict, message: error.message)
        case .dataTooLarge: self.init(.contentTooLarge, code: .dataTooLarge, message: error.message)
        case .invalidUserID: self.init(.badRequest, code: .invalidUserID, message: error.message)
        case .invalidData: self.init(.badRequest, code: .invalidData, message: error.message)
        case .tooManySessions: self.init(.conflict, code: .tooManySessions, message: error.message)
        // Unreadable stored bytes mean "no session" to the caller; the operator sees the log.
        case .corruptRecord, .decryptionFailed:
            self.init(
                .notFound,
                code: .sessionUnreadable,
                message: "the session's stored record cannot be read; sign in again"
            )
        case .storeFull: self.init(.serviceUnavailable, code: .storeFull, message: error.message)
        default:
            self.init(
                .serviceUnavailable,
                code: .storeUnavailable,
                message: "the session store is unavailable; retry shortly"
            )
        }
    }
}
