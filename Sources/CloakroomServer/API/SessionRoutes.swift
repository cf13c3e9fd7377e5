import Cloakroom
import Foundation
import Hummingbird

/// The `/v1/sessions` and `/v1/users` calls of the HTTP API.
struct SessionRoutes: Sendable {
    let manager: SessionManager
    let bodyLimit: Int

    /// The longest IP and user agent a caller may record.
    static let maximumIPLength = 64
    static let maximumUserAgentLength = 1024

    func register(sessions: RouterGroup<APIRequestContext>, users: RouterGroup<APIRequestContext>) {
        sessions.post(use: create)
        sessions.post("resume", use: resume)
        sessions.post("update", use: update)
        sessions.post("rotate", use: rotate)
        sessions.post("end", use: end)
        users.get(":user_id/sessions", use: list)
        users.delete(":user_id/sessions", use: endAll)
        users.delete(":user_id/sessions/:handle", use: endOne)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(CreateSessionBody.self, from: request, limit: bodyLimit, allowEmpty: true)
        let client = try Self.client(ip: body.ip, userAgent: body.userAgent)
        try Self.refuseReservedKeys(body.data?.keys)
        let issued = try await manager.create(userID: body.userID, data: SessionData(body.data ?? [:]), client: client)
        return try Self.json(.created, Self.issued(issued))
    }

    @Sendable func resume(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(ResumeSessionBody.self, from: request, limit: bodyLimit)
        let id = try SessionID(parsing: body.id)
        let client = try Self.client(ip: body.ip, userAgent: body.userAgent)
        let carriesClient = body.ip != nil || body.userAgent != nil
        guard let session = try await manager.resume(id, client: carriesClient ? client : nil) else {
            throw Self.notFound
        }
        return try Self.json(.ok, session: SessionJSON(session))
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(UpdateSessionBody.self, from: request, limit: bodyLimit)
        let id = try SessionID(parsing: body.id)
        try Self.refuseReservedKeys(body.set?.keys)
        try Self.refuseReservedKeys(body.unset)
        try Self.refuseReservedKeys(body.increment?.keys)
        let increments = try (body.increment ?? [:]).sorted { $0.key < $1.key }.map {
            try Self.increment($0.key, by: $0.value)
        }
        let changes = SessionChanges(set: body.set ?? [:], unset: Set(body.unset ?? []), modifications: increments)
        let session = try await manager.update(id, changes: changes, ifVersion: body.ifVersion)
        return try Self.json(.ok, session: SessionJSON(session))
    }

    @Sendable func rotate(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(RotateSessionBody.self, from: request, limit: bodyLimit)
        let id = try SessionID(parsing: body.id)
        // With a user, the rotation records a sign-in (or a re-authentication of the same user).
        let issued = try await manager.rotate(id, signingIn: body.userID)
        return try Self.json(.ok, Self.issued(issued))
    }

    @Sendable func end(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try await sessionID(from: request)
        try await manager.end(id)
        return Response(status: .noContent)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let userID = try Self.userID(from: context)
        let query = request.uri.queryParameters
        let page = try SessionPage(limit: query["limit"], cursor: query["cursor"])
        let (sessions, next) = page.slice(try await manager.sessions(ofUser: userID))
        return try Self.json(
            .ok,
            .object([
                "sessions": .array(sessions.map { SessionJSON(summary: $0).jsonValue }),
                "next_cursor": next.map(JSONValue.string) ?? .null,
            ])
        )
    }

    @Sendable func endAll(_ request: Request, context: APIRequestContext) async throws -> Response {
        let userID = try Self.userID(from: context)
        let body = try await JSONBody.decode(
            EndUserSessionsBody.self,
            from: request,
            limit: bodyLimit,
            allowEmpty: true
        )
        let except = try body.except.map { text throws(CloakroomError) in try SessionID(parsing: text) }
        let ended = try await manager.endAll(ofUser: userID, except: except)
        return try Self.json(.ok, EndedCount(ended: ended))
    }

    @Sendable func endOne(_ request: Request, context: APIRequestContext) async throws -> Response {
        let userID = try Self.userID(from: context)
        let handle = context.parameters.get("handle") ?? ""
        guard try await manager.end(handle: handle, ofUser: userID) else {
            throw APIError(.notFound, code: .sessionNotFound, message: "user has no live session with that handle")
        }
        return Response(status: .noContent)
    }

    // MARK: Helpers

    /// The client facts a caller sent, within their length limits.
    private static func client(ip: String?, userAgent: String?) throws -> ClientInfo {
        if let ip, ip.utf8.count > maximumIPLength {
            throw APIError.badRequest("'ip' must be at most \(maximumIPLength) bytes")
        }
        if let userAgent, userAgent.utf8.count > maximumUserAgentLength {
            throw APIError.badRequest("'user_agent' must be at most \(maximumUserAgentLength) bytes")
        }
        return ClientInfo(ip: ip, userAgent: userAgent)
    }

    private func sessionID(from request: Request) async throws -> SessionID {
        let body = try await JSONBody.decode(SessionIDBody.self, from: request, limit: bodyLimit)
        return try SessionID(parsing: body.id)
    }

    /// The largest magnitude a counter keeps exactly (2^53): beyond it, adding 1 may change nothing.
    static let largestExactInteger = 9_007_199_254_740_992.0

    /// Adds `amount` to the number under `key` as stored when the update saves (0 when absent),
    /// so concurrent increments all count.
    private static func increment(_ key: String, by amount: Double) throws -> SessionChanges.Modification {
        guard amount.isFinite, abs(amount) <= largestExactInteger else {
            throw APIError.badRequest("'increment' of '\(key)' must be a finite number of at most 2^53")
        }
        return SessionChanges.Modification(key: key) { stored in
            let current: Double
            switch stored {
            case nil, .null?: current = 0
            case .number(let number)?: current = number
            default:
                throw CloakroomError(
                    .invalidData,
                    "data key '\(key)' does not hold a number, so it cannot be incremented; set it to a number first"
                )
            }
            let sum = current + amount
            guard abs(sum) <= largestExactInteger else {
                throw CloakroomError(.invalidData, "incrementing data key '\(key)' goes beyond 2^53; reset it")
            }
            return .number(sum)
        }
    }

    /// Keys that grant something (the dashboard's admin sign-in) are written by the server's
    /// own pages only: an API caller who could write them could grant itself that right.
    private static func refuseReservedKeys(_ keys: (some Sequence<String>)?) throws {
        guard let keys, let reserved = keys.first(where: SessionData.isReserved) else { return }
        throw APIError(
            .badRequest,
            code: .reservedKey,
            message:
                "data key '\(reserved)' begins with '\(SessionData.reservedKeyPrefix)', which is reserved for Cloakroom itself; rename the key"
        )
    }

    private static func userID(from context: APIRequestContext) throws -> String {
        guard let raw = context.parameters.get("user_id"), let userID = raw.removingPercentEncoding else {
            throw APIError(
                .badRequest,
                code: .invalidUserID,
                message: "the user ID in the path is not valid percent-encoding"
            )
        }
        return userID
    }

    private static let notFound = APIError(
        .notFound,
        code: .sessionNotFound,
        message: "no live session has this ID; it expired, ended or never existed"
    )

    /// The answer to a create or rotate: the new ID and the session.
    private static func issued(_ issued: SessionManager.IssuedSession) -> JSONValue {
        .object(["id": .string(issued.id.encoded), "session": SessionJSON(issued.session).jsonValue])
    }

    /// A JSON answer written from a JSON value (the session answers, on every call's path).
    /// `{"session": …}`, written without building a dictionary (resume and update, the hot calls).
    static func json(_ status: HTTPResponse.Status, session: SessionJSON) throws -> Response {
        do {
            return answer(status, try session.sessionAnswer())
        } catch {
            throw APIError(.internalServerError, code: .internal, message: "the answer could not be written as JSON")
        }
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) throws -> Response {
        let bytes: [UInt8]
        do {
            bytes = try JSONWriter.write(value)
        } catch {
            throw APIError(.internalServerError, code: .internal, message: "the answer could not be written as JSON")
        }
        return answer(status, bytes)
    }

    /// A JSON answer; by default never cached, since most answers hold session facts.
    static func json(
        _ status: HTTPResponse.Status,
        _ value: some Encodable,
        contentType: String = "application/json; charset=utf-8",
        cacheControl: String = "no-store"
    ) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return answer(status, try encoder.encode(value), contentType: contentType, cacheControl: cacheControl)
    }

    private static func answer(
        _ status: HTTPResponse.Status,
        _ body: some Sequence<UInt8>,
        contentType: String = "application/json; charset=utf-8",
        cacheControl: String = "no-store"
    ) -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType, .cacheControl: cacheControl, .xContentTypeOptions: "nosniff"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

struct EndedCount: Encodable {
    var ended: Int
}
