import Cloakroom
import CloakroomHummingbird
import CloakroomSQLite
import CloakroomTesting
import Foundation
import Hummingbird
import HummingbirdAuth
import HummingbirdTesting
import Testing

@Suite("PersistDriver adapter")
struct PersistDriverTests {
    struct Cart: Codable, Sendable, Equatable {
        var items: [String]
    }

    @Test("hummingbird-auth's SessionMiddleware runs unchanged on a SQLite store")
    func sessionMiddlewareOnSQLite() async throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteSessionStore(path: folder.path("sessions.sqlite"))
        typealias Context = BasicSessionRequestContext<Cart, String>
        let router = Router(context: Context.self)
        router.add(middleware: SessionMiddleware(storage: CloakroomPersistDriver(store: store)))
        router.post("add") { request, context in
            let item = request.uri.queryParameters["item"].map(String.init) ?? "?"
            var cart = context.sessions.session ?? Cart(items: [])
            cart.items.append(item)
            if context.sessions.session == nil {
                context.sessions.createSession(cart)
            } else {
                _ = context.sessions.updateSession(cart)
            }
            return cart.items.joined(separator: ",")
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/add?item=tea", method: .post)
            let cookie = try #require(first.headers[.setCookie]).split(separator: ";")[0]
            let second = try await client.execute(
                uri: "/add?item=cake",
                method: .post,
                headers: [.cookie: String(cookie)]
            )
            #expect(String(buffer: second.body) == "tea,cake")
        }
        #expect(try await store.count(now: Date()) == 1)
        await store.close()
    }

    @Test("create, set, get, expiry and remove follow PersistDriver's contract")
    func contract() async throws {
        let clock = ManualClock()
        let store = MemorySessionStore()
        let driver = CloakroomPersistDriver(store: store, clock: clock)
        try await driver.create(key: "a", value: Cart(items: ["x"]), expires: .seconds(60))
        await #expect(throws: PersistError.duplicate) {
            try await driver.create(key: "a", value: Cart(items: []), expires: nil)
        }
        try await driver.set(key: "a", value: Cart(items: ["y"]), expires: nil)
        #expect(try await driver.get(key: "a", as: Cart.self) == Cart(items: ["y"]))
        #expect(try await driver.get(key: "a", as: Int.self) == nil)
        #expect(try await store.load(CloakroomPersistDriver.storeKey("a"), now: clock.now) != nil)
        clock.advance(by: .seconds(30))
        let withTTL = try #require(try await driver.getWithTTL(key: "a", as: Cart.self))
        #expect(withTTL.ttl == .seconds(30))
        clock.advance(by: .seconds(31))
        #expect(try await driver.get(key: "a", as: Cart.self) == nil)
        try await driver.set(key: "b", value: 7, expires: nil)
        #expect(try await driver.get(key: "b", as: Int.self) == 7)
        try await driver.remove(key: "b")
        #expect(try await driver.get(key: "b", as: Int.self) == nil)
    }

    @Test("values are sealed at rest when a cipher is given")
    func sealed() async throws {
        let store = MemorySessionStore()
        let cipher = try SessionCipher(keys: [EncryptionKey(id: "k1", bytes: Array(repeating: 7, count: 32))])
        let driver = CloakroomPersistDriver(store: store, cipher: cipher)
        try await driver.set(key: "secret", value: "plain words", expires: .seconds(60))
        #expect(try await driver.get(key: "secret", as: String.self) == "plain words")
        let record = try #require(
            try await store.load(CloakroomPersistDriver.storeKey("secret"), now: Date())
        )
        #expect(!String(decoding: record.payload, as: UTF8.self).contains("plain words"))
    }
}
