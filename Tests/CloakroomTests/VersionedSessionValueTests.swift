import Cloakroom
import Foundation
import Testing

/// What an earlier build of an app stored: `name`, and the page size as a string.
private struct PreferencesV1: VersionedSessionValue {
    static let sessionSchemaVersion = 1
    var name: String
    var pageSize: String
}

/// The same type a build later: `name` renamed, `pageSize` retyped.
private struct Preferences: VersionedSessionValue, Equatable {
    static let sessionSchemaVersion = 2
    var displayName: String
    var pageSize: Int

    static func migrate(_ stored: JSONValue, from version: Int) throws -> Preferences? {
        guard version == 1, let old = try? stored.decoded(as: PreferencesV1.self) else { return nil }
        return Preferences(displayName: old.name, pageSize: Int(old.pageSize) ?? 20)
    }
}

/// A retyped field and no migration of its own: the default drops what does not fit.
private struct Cart: VersionedSessionValue, Equatable {
    static let sessionSchemaVersion = 2
    var items: [String]
    var coupon: String?
}

/// A value stored before its type was versioned, with the shape the versioned type keeps.
private struct PlainCart: Codable {
    var items: [String]
}

@Suite("Versioned session values survive a change of the app's type")
struct VersionedSessionValueTests {
    @Test("a value of the current version round-trips, stored with its version")
    func currentVersionRoundTrips() throws {
        var data = SessionData()
        let preferences = Preferences(displayName: "Ada", pageSize: 50)
        try data.set(preferences, forKey: "prefs")
        #expect(try data.decode(Preferences.self, forKey: "prefs") == preferences)
        guard case .object(let envelope)? = data["prefs"] else {
            Issue.record("a versioned value is not stored as an envelope")
            return
        }
        #expect(envelope["cloakroom:schema"] == .number(2))
    }

    @Test("a renamed and retyped field is migrated from what the earlier build stored")
    func renamedAndRetypedFieldsMigrate() throws {
        var data = SessionData()
        try data.set(PreferencesV1(name: "Ada", pageSize: "50"), forKey: "prefs")
        #expect(try data.decode(Preferences.self, forKey: "prefs") == Preferences(displayName: "Ada", pageSize: 50))
        // Without versioning the same change is a decoding error on every request of the user.
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(Preferences.self, from: JSONEncoder().encode(data["prefs"]))
        }
    }

    @Test("a value no migration can read is absent, not an error")
    func unreadableOldValuesAreDropped() throws {
        var data = SessionData()
        data["cart"] = VersionedEnvelopeFixture.wrap(["items": "one, two"], version: 1)
        #expect(try data.decode(Cart.self, forKey: "cart") == nil)
        data["prefs"] = VersionedEnvelopeFixture.wrap(["nickname": "Ada"], version: 1)
        #expect(try data.decode(Preferences.self, forKey: "prefs") == nil)
    }

    @Test("a plain value stored before versioning is read as version 0, by the default migration when it fits")
    func plainValuesAreVersionZero() throws {
        var data = SessionData()
        try data.set(PlainCart(items: ["tea"]), forKey: "cart")
        #expect(try data.decode(Cart.self, forKey: "cart") == Cart(items: ["tea"], coupon: nil))
        data["cart"] = "not a cart"
        #expect(try data.decode(Cart.self, forKey: "cart") == nil)
    }

    @Test("a value from a newer build goes to the migration with its higher version")
    func newerVersionsGoToTheMigration() throws {
        var data = SessionData()
        data["cart"] = VersionedEnvelopeFixture.wrap(["items": ["tea"], "coupon": "X", "gift": true], version: 3)
        #expect(try data.decode(Cart.self, forKey: "cart") == Cart(items: ["tea"], coupon: "X"))
        data["prefs"] = VersionedEnvelopeFixture.wrap(["displayName": "Ada", "pageSize": 5], version: 3)
        #expect(try data.decode(Preferences.self, forKey: "prefs") == nil)
    }

    @Test("a typed modification reads the old shape and stores the new one, through the manager")
    func modificationStoresTheNewShape() async throws {
        let manager = try SessionManager(store: MemorySessionStore())
        var old = SessionData()
        try old.set(PreferencesV1(name: "Ada", pageSize: "50"), forKey: "prefs")
        let issued = try await manager.create(userID: "ada", data: old)
        let resumed = try #require(try await manager.resume(issued.id))
        #expect(try resumed.data.decode(Preferences.self, forKey: "prefs")?.displayName == "Ada")

        let changes = SessionChanges(modifications: [
            .typed("prefs") { (current: Preferences?) in
                var next = current ?? Preferences(displayName: "", pageSize: 20)
                next.pageSize += 1
                return next
            }
        ])
        _ = try await manager.update(issued.id, changes: changes)
        let saved = try #require(try await manager.resume(issued.id))
        #expect(
            try saved.data.decode(Preferences.self, forKey: "prefs") == Preferences(displayName: "Ada", pageSize: 51)
        )
        #expect(try saved.data.decode(PreferencesV1.self, forKey: "prefs") == nil)
    }
}

/// Stored envelopes written by hand, as an earlier or later build would have written them.
private enum VersionedEnvelopeFixture {
    static func wrap(_ value: JSONValue, version: Int) -> JSONValue {
        ["cloakroom:schema": .number(Double(version)), "value": value]
    }
}
