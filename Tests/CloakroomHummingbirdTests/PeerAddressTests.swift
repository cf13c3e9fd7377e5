import Cloakroom
import CloakroomHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The client address the middlewares read from a real connection, where the context knows it.
@Suite("The peer address over a real connection")
struct PeerAddressTests {
    @Test("new sessions record the peer's address, and a header only where the app trusts a proxy")
    func sessionsRecordThePeer() async throws {
        for (source, expected) in [
            (CloakroomSessionMiddleware<BasicCloakroomRequestContext>.ClientAddressSource.peer, "127.0.0.1"),
            (.forwardedFor, "203.0.113.7"),
        ] {
            let harness = try MiddlewareHarness()
            let router = Router(context: BasicCloakroomRequestContext.self)
            router.add(middleware: try CloakroomSessionMiddleware(manager: harness.manager, clientAddress: source))
            router.post("login") { _, context in
                try await context.session.login(user: "ada")
                return "signed in"
            }
            try await Application(router: router).test(.live) { client in
                let login = try await client.execute(
                    uri: "/login",
                    method: .post,
                    headers: [HTTPFields.Element.Name("X-Forwarded-For")!: "203.0.113.7, 10.0.0.1"]
                )
                let id = try #require(harness.sessionID(in: login))
                let session = try #require(try await harness.manager.resume(SessionID(parsing: id)))
                #expect(session.header.metadata.ip == expected)
            }
        }
    }

    @Test("by default the rate limit counts per peer address; a context without one passes unchecked")
    func rateLimitKeysOnThePeer() async throws {
        let limiter = try RateLimiter(
            store: MemoryLimitStore(),
            buckets: ["api": RateLimit(limit: 2, period: .seconds(60))]
        )
        let known = try await Self.pingThrice(as: BasicCloakroomRequestContext.self, limiter: limiter)
        #expect(known == [.ok, .ok, .tooManyRequests])
        let unknown = try await Self.pingThrice(as: BasicRequestContext.self, limiter: limiter)
        #expect(unknown == [.ok, .ok, .ok])
    }

    /// The statuses of three requests through the rate limit with its default key.
    private static func pingThrice<Context: RequestContext>(
        as _: Context.Type,
        limiter: RateLimiter
    ) async throws -> [HTTPResponse.Status] where Context.Source == ApplicationRequestContextSource {
        let router = Router(context: Context.self)
        router.add(middleware: try RateLimitMiddleware(limiter: limiter, bucket: "api"))
        router.get("ping") { _, _ in "pong" }
        return try await Application(router: router).test(.live) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 { statuses.append(try await client.execute(uri: "/ping", method: .get).status) }
            return statuses
        }
    }
}
