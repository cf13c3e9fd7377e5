import Cloakroom
import CloakroomServer
import CloakroomTesting
import CloakroomTokens
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// An in-process `cloakroomd` router on a store (memory unless given) with a manual clock and
/// API keys of each scope.
public struct APITestHarness: Sendable {
    /// The clock of the manager and limiter.
    public let clock: ManualClock
    /// The manager behind the routes.
    public let manager: SessionManager
    /// An admin key.
    public let secret: String
    /// A key with the `sessions` scope only.
    public let sessionsOnlySecret: String
    /// A key with the `tokens` scope only.
    public let tokensOnlySecret: String
    /// The keys above.
    public let apiKeys: APIKeyRing
    /// The token service behind the token routes.
    public let tokens: TokenService
    /// The limiter behind the limit routes.
    public let limiter: RateLimiter

    /// Builds the parts; ``run(pages:_:)`` serves them.
    public init(
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

    /// Runs `body` with a client of the router.
    public func run(pages: PageOptions = PageOptions(), _ body: @Sendable (Client) async throws -> Void) async throws {
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

    /// An answer of the API.
    public struct Reply {
        /// The status.
        public var status: HTTPResponse.Status
        /// The JSON body, empty when there is none.
        public var json: [String: Any]
        /// The headers.
        public var headers: HTTPFields

        /// The error code of an error answer.
        public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        /// The `session` object of the answer.
        public var session: [String: Any]? { json["session"] as? [String: Any] }
    }

    /// Calls the router with the admin key unless told otherwise.
    public struct Client: Sendable {
        /// The router's test client.
        public let client: any TestClientProtocol
        /// The admin key sent by default.
        public let secret: String

        /// A client of `client` that sends `secret` by default.
        public init(client: any TestClientProtocol, secret: String) {
            self.client = client
            self.secret = secret
        }

        /// Calls the API: `json` or `raw` as the body, `authorization` as the header
        /// (`"default"`: the admin key; `nil`: none).
        @discardableResult
        public func call(
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
        public func page(
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

        /// Creates a session; throws unless the answer is 201.
        public func create(_ body: [String: Any] = [:]) async throws -> (id: String, session: [String: Any]) {
            let reply = try await call(.post, "/v1/sessions", json: body)
            guard reply.status == .created, let id = reply.json["id"] as? String, let session = reply.session else {
                throw CloakroomError(.invalidData, "create answered \(reply.status): \(reply.json)")
            }
            return (id, session)
        }
    }
}
