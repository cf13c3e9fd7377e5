#if Vapor
    import Cloakroom
    import CloakroomTesting
    import CloakroomVapor
    import Fluent
    import FluentSQLiteDriver
    import Foundation
    import TestSupport
    import Testing
    import Vapor
    import VaporTesting

    /// A Fluent user, kept in `req.session` by `ModelSessionAuthenticatable` (its ID under
    /// `_AccountSession`), as Vapor's authentication docs show.
    final class Account: Model, ModelSessionAuthenticatable, @unchecked Sendable {
        static let schema = "accounts"

        @ID(key: .id) var id: UUID?
        @Field(key: "name") var name: String

        init() {}

        init(name: String) {
            self.name = name
        }

        /// Creates the table.
        struct Migration: AsyncMigration {
            func prepare(on database: any Database) async throws {
                try await database.schema(Account.schema).id().field("name", .string, .required).create()
            }

            func revert(on database: any Database) async throws {
                try await database.schema(Account.schema).delete()
            }
        }
    }

    /// `req.auth` with a Fluent model through `ModelSessionAuthenticatable` on the `.cloakroom`
    /// driver: the model's sign-in is a rotation, and the session names the model's ID as its user.
    @Suite(
        "Vapor ModelSessionAuthenticatable on every store",
        .needsServer("CLOAKROOM_TEST_POSTGRES"),
        .needsServer("CLOAKROOM_TEST_REDIS")
    )
    struct FluentAuthenticationTests {
        /// Routes as Vapor's documentation writes them for a Fluent user kept in the session.
        private static func configure(_ app: Application) throws {
            app.databases.use(.sqlite(.memory), as: .sqlite)
            app.migrations.add(Account.Migration())
            let signedIn = app.grouped(Account.sessionAuthenticator())
            signedIn.post("accounts", ":name", "login") { req async throws -> String in
                let name = req.parameters.get("name")!
                guard let account = try await Account.query(on: req.db).filter(\.$name == name).first() else {
                    throw Abort(.unauthorized)
                }
                req.auth.login(account)
                return "ok"
            }
            signedIn.get("accounts", "me") { req -> String in
                req.auth.get(Account.self)?.name ?? "nobody"
            }
            signedIn.post("accounts", "logout") { req -> String in
                req.auth.logout(Account.self)
                return "ok"
            }
        }

        @Test(
            "a model's sign-in rotates the ID and records the model's ID as the user",
            arguments: VaporTestStore.allCases
        )
        func modelSignIn(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager, configure: Self.configure) { app in
                    try await app.autoMigrate()
                    let ada = Account(name: "ada")
                    try await ada.create(on: app.db)
                    let adaID = try #require(ada.id).uuidString

                    var visitor = Visitor()
                    try await visitor.send(app, .POST, "set/cart", body: "3 apples")
                    let anonymous = try #require(visitor.cookie)
                    #expect(try await visitor.send(app, .POST, "accounts/ada/login").status == .ok)
                    let signedIn = try #require(visitor.cookie)
                    #expect(signedIn != anonymous)
                    #expect(try await manager.resume(encodedID: anonymous) == nil)
                    // Each request finds the model again by the ID the session holds.
                    #expect(try await visitor.send(app, .GET, "accounts/me").text == "ada")
                    #expect(try await visitor.send(app, .GET, "get/cart").text == "3 apples")
                    let session = try #require(try await manager.resume(encodedID: signedIn))
                    #expect(session.userID == adaID)
                    #expect(try await manager.sessions(ofUser: adaID).count == 1)

                    var attacker = Visitor(cookie: anonymous)
                    #expect(try await attacker.send(app, .GET, "accounts/me").text == "nobody")
                    #expect(try await attacker.send(app, .POST, "accounts/nobody/login").status == .unauthorized)

                    // Logging out everywhere ends the visitor's session too.
                    #expect(try await manager.endAll(ofUser: adaID) == 1)
                    #expect(try await visitor.send(app, .GET, "accounts/me").text == "nobody")

                    try await visitor.send(app, .POST, "accounts/ada/login")
                    #expect(try await visitor.send(app, .GET, "accounts/me").text == "ada")
                    try await visitor.send(app, .POST, "accounts/logout")
                    #expect(try await visitor.send(app, .GET, "accounts/me").text == "nobody")
                    #expect(try await manager.sessions(ofUser: adaID).isEmpty)

                    try await app.autoRevert()
                }
            }
        }
    }
#endif
