import Cloakroom
import CloakroomHummingbird
import CloakroomPostgres
import CloakroomRedis
import CloakroomSQLite
import CloakroomTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

/// 32 clients send 50 increments each to one session at once: the read-modify-write a counter,
/// a cart or a quota makes on every request.
@Suite("Concurrent changes of one key through the middleware")
struct ConcurrentChangeTests {
    static let clients = 32
    static let requestsPerClient = 50

    typealias StoreKind = IntegrationStore

    /// A fresh store of `kind`.
    private func makeStore(_ kind: StoreKind, in folder: TemporaryFolder) throws -> any SessionStore {
        try kind.make(name: "concurrent_\(UInt32.random(in: 0...UInt32.max))", in: folder)
    }

    private func router(
        _ manager: SessionManager,
        conflicts: SessionConflictPolicy = .mergeByKey
    ) throws -> Router<BasicCloakroomRequestContext> {
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: try CloakroomSessionMiddleware(manager: manager, conflicts: conflicts))
        router.post("start") { _, context in
            try await context.session.login(user: "ada")
            return "ok"
        }
        router.post("modify") { _, context in
            String(try await context.session.modify(Int.self, forKey: "n") { ($0 ?? 0) + 1 } ?? 0)
        }
        router.post("get-set") { _, context in
            let next = (try await context.session.get(Int.self, forKey: "n") ?? 0) + 1
            try context.session.set(next, forKey: "n")
            return String(next)
        }
        return router
    }

    /// Starts a session in an app over `manager`, then sends `path` from every client at once;
    /// answers the session's ID and every answer's status.
    private func hammer(
        _ manager: SessionManager,
        _ path: String,
        conflicts: SessionConflictPolicy = .mergeByKey
    ) async throws -> (id: String, statuses: [HTTPResponse.Status]) {
        let outcome = Mutex<(id: String, statuses: [HTTPResponse.Status])?>(nil)
        let app = Application(router: try router(manager, conflicts: conflicts))
        try await app.test(.router) { client in
            let start = try await client.execute(uri: "/start", method: .post)
            let setCookie = try #require(start.headers[.setCookie])
            let pair = String(setCookie.prefix { $0 != ";" })
            let id = String(pair.drop { $0 != "=" }.dropFirst())
            let statuses = try await withThrowingTaskGroup(of: [HTTPResponse.Status].self) { group in
                for _ in 0..<Self.clients {
                    group.addTask {
                        var statuses: [HTTPResponse.Status] = []
                        for _ in 0..<Self.requestsPerClient {
                            let reply = try await client.execute(uri: path, method: .post, headers: [.cookie: pair])
                            statuses.append(reply.status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            outcome.withLock { $0 = (id, statuses) }
        }
        return try #require(outcome.withLock { $0 })
    }

    @Test("modify keeps every one of 1,600 concurrent increments", arguments: [StoreKind.memory, .sqlite, .file])
    func modifyLosesNothing(_ kind: StoreKind) async throws {
        try await expectModifyLosesNothing(kind)
    }

    @Test(
        "modify keeps every one of 1,600 concurrent increments on PostgreSQL",
        .needsServer("CLOAKROOM_TEST_POSTGRES")
    )
    func modifyLosesNothingOnPostgres() async throws {
        try await expectModifyLosesNothing(.postgres)
    }

    @Test("modify keeps every one of 1,600 concurrent increments on Redis", .needsServer("CLOAKROOM_TEST_REDIS"))
    func modifyLosesNothingOnRedis() async throws {
        try await expectModifyLosesNothing(.redis)
    }

    private func expectModifyLosesNothing(_ kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(kind, in: folder)
        let manager = try SessionManager(store: store)
        let (statuses, session) = try await store.withRunning {
            let (id, statuses) = try await hammer(manager, "/modify")
            return (statuses, try await manager.resume(encodedID: id))
        }
        #expect(statuses.map(\.code) == Array(repeating: 200, count: Self.clients * Self.requestsPerClient))
        #expect(try session?.data.decode(Int.self, forKey: "n") == Self.clients * Self.requestsPerClient)
    }

    @Test(
        "strict mode: every get-then-set either counts or is refused with 409",
        arguments: [StoreKind.memory, .sqlite, .file]
    )
    func strictModeRefusesStaleReads(_ kind: StoreKind) async throws {
        try await expectStrictModeCountsOrRefuses(kind)
    }

    @Test("strict mode on PostgreSQL: every get-then-set counts or is refused", .needsServer("CLOAKROOM_TEST_POSTGRES"))
    func strictModeRefusesStaleReadsOnPostgres() async throws {
        try await expectStrictModeCountsOrRefuses(.postgres)
    }

    @Test("strict mode on Redis: every get-then-set counts or is refused", .needsServer("CLOAKROOM_TEST_REDIS"))
    func strictModeRefusesStaleReadsOnRedis() async throws {
        try await expectStrictModeCountsOrRefuses(.redis)
    }

    private func expectStrictModeCountsOrRefuses(_ kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(kind, in: folder)
        let manager = try SessionManager(store: store)
        let (statuses, session) = try await store.withRunning {
            let (id, statuses) = try await hammer(manager, "/get-set", conflicts: .refuseStaleReads)
            return (statuses, try await manager.resume(encodedID: id))
        }
        let codes = statuses.map(\.code)
        #expect(codes.allSatisfy { $0 == 200 || $0 == 409 })
        let accepted = codes.reduce(0) { $0 + ($1 == 200 ? 1 : 0) }
        #expect(try session?.data.decode(Int.self, forKey: "n") == accepted)
    }

    @Test("strict mode refuses a save whose read went stale, with a message saying what to do")
    func strictModeRefusal() async throws {
        let manager = try SessionManager(store: MemorySessionStore())
        let issued = try await manager.create(userID: "ada", data: ["n": .number(1)])
        let gate = Mutex(false)
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: try CloakroomSessionMiddleware(manager: manager, conflicts: .refuseStaleReads))
        router.post("slow-set") { _, context in
            let n = try await context.session.get(Int.self, forKey: "n") ?? 0
            // Another request changes n between this read and this save.
            if !gate.withLock({ $0 }) {
                _ = try await manager.update(issued.id, changes: SessionChanges(set: ["n": .number(10)]))
            }
            try context.session.set(n + 1, forKey: "n")
            return "ok"
        }
        try await Application(router: router).test(.router) { client in
            let cookie: HTTPFields = [.cookie: "__Host-session=\(issued.id.encoded)"]
            let refused = try await client.execute(uri: "/slow-set", method: .post, headers: cookie)
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("read it again and retry"))
            #expect(try await manager.resume(issued.id)?.data["n"] == .number(10))
            gate.withLock { $0 = true }
            let accepted = try await client.execute(uri: "/slow-set", method: .post, headers: cookie)
            #expect(accepted.status == .ok)
            #expect(try await manager.resume(issued.id)?.data["n"] == .number(11))
        }
    }

    @Test("by default, get-then-set of one key by concurrent requests keeps the last save (documented)")
    func defaultMergesByKey() async throws {
        let manager = try SessionManager(store: MemorySessionStore())
        let issued = try await manager.create(data: ["n": .number(1)])
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: try CloakroomSessionMiddleware(manager: manager))
        router.post("slow-set") { _, context in
            let n = try await context.session.get(Int.self, forKey: "n") ?? 0
            _ = try await manager.update(issued.id, changes: SessionChanges(set: ["n": .number(10)]))
            try context.session.set(n + 1, forKey: "n")
            return "ok"
        }
        try await Application(router: router).test(.router) { client in
            let cookie: HTTPFields = [.cookie: "__Host-session=\(issued.id.encoded)"]
            let reply = try await client.execute(uri: "/slow-set", method: .post, headers: cookie)
            #expect(reply.status == .ok)
            #expect(try await manager.resume(issued.id)?.data["n"] == .number(2))
        }
    }
}
