import Cloakroom
import CloakroomServer
import CloakroomTesting
import CloakroomTokens
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// An in-process `cloakroomd` router on a memory store with a manual clock and one admin key.
struct APITestHarness: Sendable {
    let clock: ManualClock
    let manager: SessionManager
    let secret: String
    let sessionsOnlySecret: String
    let tokensOnlySecret: String
    let apiKeys: APIKeyRing
    let tokens: TokenService
    let limiter: RateLimiter

    init(
        policy: SessionPolicy = SessionPolicy(),
        store: any SessionStore = MemorySessionStore(),
        clock: ManualClock = ManualClock(),
        tokenOptions: TokenOptions = TokenOptions(),
        signingKeys: SigningKeySet? = nil
    ) async throws {
        self.clock = clock
        manager = try SessionManager(store: store, policy: policy, clock: clock)
        let admin = APIKey.generate(name: "admin", scopes: [.admin])
        let sessions = APIKey.generate(name: "app", scopes: [.sessions])
        let tokens = APIKey.generate(name: "tokens", scopes: [.tokens])
        secret = admin.secret
        sessionsOnlySecret = sessions.secret
        tokensOnlySecret = tokens.secret
        apiKeys = APIKeyRing(keys: [admin.key, sessions.key, tokens.key])
        self.tokens = await TokenService(
            manager: manager,
            keys: try signingKeys ?? SigningKeySet(keys: [SigningKey.generate()]),
            options: tokenOptions
        )
        limiter = try RateLimiter(
            store: MemoryLimitStore(),
            buckets: ["login": RateLimit(parsing: "5/1m"), "api": RateLimit(parsing: "100/1s")],
            clock: clock
        )
    }

    func run(pages: PageOptions = PageOptions(), _ body: @Sendable (Client) async throws -> Void) async throws {
        let router = try CloakroomApplication.buildRouter(
            manager: manager,
            tokens: tokens,
            limiter: limiter,
            apiKeys: apiKeys,
            maximumBodySize: ServerConfiguration().maximumBodySize,
            pages: pages
        )
        try await Application(router: router).test(.router) { client in
            try await body(Client(client: client, secret: secret))
        }
    }

    struct Reply {
        var status: HTTPResponse.Status
        var json: [String: Any]
        var headers: HTTPFields

        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var session: [String: Any]? { json["session"] as? [String: Any] }
    }

    struct Client {
        let client: any TestClientProtocol
        let secret: String

        @discardableResult
        func call(
            _ method: HTTPRequest.Method,
            _ uri: String,
            json: Any? = nil,
            raw: String? = nil,
            authorization: String? = "default"
        ) async throws -> Reply {
            var headers: HTTPFields = [.contentType: "application/json"]
            if let authorization {
                headers[.authorization] = authorization == "default" ? "Bearer \(secret)" : authorization
            }
            var body: ByteBuffer?
            if let json { body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)) }
            if let raw { body = ByteBuffer(string: raw) }
            return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
                let bytes = Data(response.body.readableBytesView)
                let json = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] ?? [:]
                return Reply(status: response.status, json: json, headers: response.headers)
            }
        }

        /// A browser-like request: form body, optional cookie, `Sec-Fetch-Site: same-origin`
        /// unless other headers are given. Answers the status, headers and HTML.
        func page(
            _ method: HTTPRequest.Method,
            _ uri: String,
            cookie: String? = nil,
            form: String? = nil,
            headers extra: HTTPFields = [HTTPFields.Element.Name("Sec-Fetch-Site")!: "same-origin"]
        ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, html: String) {
            var headers = extra
            if let cookie { headers[.cookie] = cookie }
            if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
            return try await client.execute(
                uri: uri,
                method: method,
                headers: headers,
                body: form.map { ByteBuffer(string: $0) }
            ) { response in
                (response.status, response.headers, String(buffer: response.body))
            }
        }

        func create(_ body: [String: Any] = [:]) async throws -> (id: String, session: [String: Any]) {
            let reply = try await call(.post, "/v1/sessions", json: body)
            guard reply.status == .created, let id = reply.json["id"] as? String, let session = reply.session else {
                throw CloakroomError(.invalidData, "create answered \(reply.status): \(reply.json)")
            }
            return (id, session)
        }
    }
}
