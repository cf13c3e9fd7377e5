import Cloakroom
import CloakroomHummingbird
import CloakroomPostgres
import CloakroomRedis
import CloakroomSQLite
import CloakroomTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// Login lockout on every store that keeps limits, shared by two app instances: three wrong
/// passwords on one and two on the other use up the account's five attempts, so the sixth is
/// refused on either.
@Suite("Login lockout on real stores")
struct LockoutOnStoresTests {
    typealias Kind = IntegrationStore

    /// A store of `kind` named `name`: two stores with one name share their records.
    func makeStore(_ kind: Kind, name: String, folder: TemporaryFolder) throws -> any SessionStore & LimitStore {
        try #require(try kind.make(name: name, in: folder) as? any SessionStore & LimitStore)
    }

    func app(store: any SessionStore & LimitStore) throws -> some ApplicationProtocol {
        let limiter = try RateLimiter(store: store, buckets: ["login": RateLimit(parsing: "5/1m")])
        let throttle = try LoginThrottle(limiter: limiter)
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: try CloakroomSessionMiddleware(manager: SessionManager(store: store)))
        router.post("login") { request, context in
            try await throttle.attempt(account: "ada")
            guard request.uri.queryParameters["password"] == "right" else { throw HTTPError(.unauthorized) }
            try await context.session.login(user: "ada")
            return "ok"
        }
        return Application(router: router)
    }

    @Test func sixthAttemptRefusedAcrossInstances() async throws {
        try await expectSixthAttemptRefused(on: .sqlite)
    }

    @Test(.needsServer("CLOAKROOM_TEST_POSTGRES")) func sixthAttemptRefusedAcrossInstancesOnPostgres() async throws {
        try await expectSixthAttemptRefused(on: .postgres)
    }

    @Test(.needsServer("CLOAKROOM_TEST_REDIS")) func sixthAttemptRefusedAcrossInstancesOnRedis() async throws {
        try await expectSixthAttemptRefused(on: .redis)
    }

    private func expectSixthAttemptRefused(on kind: Kind) async throws {
        let folder = try TemporaryFolder()
        let name = "lockout_\(UInt32.random(in: 0...UInt32.max))"
        let first = try makeStore(kind, name: name, folder: folder)
        let second = try makeStore(kind, name: name, folder: folder)
        try await first.withRunning { try await second.withRunning { try await check(first, second) } }
    }

    private func check(_ first: any SessionStore & LimitStore, _ second: any SessionStore & LimitStore) async throws {
        try await app(store: first).test(.router) { a in
            try await app(store: second).test(.router) { b in
                var statuses: [HTTPResponse.Status] = []
                for client in [a, a, a, b, b] as [any TestClientProtocol] {
                    statuses.append(try await client.execute(uri: "/login?password=wrong", method: .post).status)
                }
                #expect(statuses == Array(repeating: .unauthorized, count: 5))
                let sixth = try await a.execute(uri: "/login?password=right", method: .post)
                #expect(sixth.status == .tooManyRequests)
                #expect(sixth.headers[.retryAfter].flatMap(Int.init).map { (1...60).contains($0) } == true)
                let onOther = try await b.execute(uri: "/login?password=right", method: .post)
                #expect(onOther.status == .tooManyRequests)
            }
        }
    }
}
