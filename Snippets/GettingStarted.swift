// The code of the "Getting started" article (Sources/Cloakroom/Documentation.docc), compiled by
// every build and shown in the article slice by slice. Run (scripts/test does), it checks that
// the code does what the article says and exits non-zero when it does not.
// snippet.hide
import Cloakroom
import Foundation

/// Stops with a message when the article's code does not do what the article says.
func expect(_ condition: Bool, _ what: String) {
    guard condition else {
        FileHandle.standardError.write(Data("the getting-started article: \(what)\n".utf8))
        exit(1)
    }
}

// snippet.show
// snippet.manager
let manager = try SessionManager(
    store: MemorySessionStore(),
    policy: SessionPolicy(
        idleTimeout: .seconds(30 * 60),
        absoluteTimeout: .seconds(12 * 3600),
        maximumSessionsPerUser: 5
    ),
    cipher: SessionCipher(keys: [EncryptionKey.generate(id: "2026-11")])
)
// snippet.end

// snippet.create
let issued = try await manager.create(
    userID: "alice",
    data: ["theme": "dark"],
    client: ClientInfo(ip: "203.0.113.5", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0")
)
let cookieValue = issued.id.encoded  // give this to the client, and only to the client

// On a later request: malformed or unknown text simply means "no session".
if let session = try await manager.resume(encodedID: cookieValue) {
    let theme = try session.data.decode(String.self, forKey: "theme")
    print(theme ?? "default", session.metadata.device ?? "")
    // snippet.hide
    expect(theme == "dark", "the theme reads back")
    expect(session.metadata.device == "Firefox on Linux", "the device is named from the user agent")
    // snippet.show
}
// snippet.end
// snippet.hide
expect(try await manager.resume(encodedID: "not-an-id") == nil, "malformed text is no session")
// snippet.show

// snippet.update
let updated = try await manager.update(
    issued.id,
    changes: SessionChanges(set: ["cart": [42]], unset: ["theme"])
)
print(updated.version)  // 2
// snippet.end
// snippet.hide
expect(updated.version == 2, "the update is version 2")
// snippet.show

// snippet.versioned
struct Preferences: VersionedSessionValue {
    static let sessionSchemaVersion = 2
    var displayName: String  // version 1 called it `name`

    static func migrate(_ stored: JSONValue, from version: Int) throws -> Preferences? {
        guard version == 1, case .object(let old) = stored, case .string(let name)? = old["name"] else {
            return nil  // unreadable: the key reads as absent, the user stays signed in
        }
        return Preferences(displayName: name)
    }
}
// snippet.hide
let session = try await manager.resume(issued.id)!
// snippet.show
let preferences = try session.data.decode(Preferences.self, forKey: "prefs")
// snippet.end

// snippet.hide
let (id, remoteIP, userAgent) = (issued.id, "198.51.100.7", "curl/8.5")
// snippet.show
// snippet.clientChange
let policy = SessionPolicy(clientChange: ClientChangePolicy(ipChange: .notify, userAgentChange: .reauthenticate))
let seen = try await manager.resume(id, client: ClientInfo(ip: remoteIP, userAgent: userAgent))
// snippet.end
// snippet.hide
print(policy.clientChange, seen as Any, preferences as Any)
// snippet.show

// snippet.rotate
let signedIn = try await manager.rotate(issued.id, signingIn: "alice")
let everywhereElse = try await manager.endAll(ofUser: "alice", except: signedIn.id)
try await manager.end(signedIn.id)
print(everywhereElse)
// snippet.end
// snippet.hide
expect(everywhereElse == 0, "no other session of alice was left")
expect(try await manager.resume(signedIn.id) == nil, "the ended session is gone")
expect(try await manager.resume(issued.id) == nil, "the ID before rotation is dead")
// snippet.show

// snippet.pruning
let pruning = PruningService(store: manager.store, interval: .seconds(60))
// snippet.end
// snippet.hide
expect(try await pruning.pruneOnce() == 0, "nothing has expired yet")
print("the getting-started article's code works as the article says")
