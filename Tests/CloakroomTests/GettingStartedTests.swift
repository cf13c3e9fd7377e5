import Cloakroom
import Testing

/// The getting-started article's snippets, verbatim, so they keep compiling and working.
@Suite("Getting started article")
struct GettingStartedTests {
    @Test func snippetsRun() async throws {
        let manager = try SessionManager(
            store: MemorySessionStore(),
            policy: SessionPolicy(
                idleTimeout: .seconds(30 * 60),
                absoluteTimeout: .seconds(12 * 3600),
                maximumSessionsPerUser: 5
            ),
            cipher: SessionCipher(keys: [EncryptionKey.generate(id: "2026-11")])
        )

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
            #expect(theme == "dark")
        }

        let updated = try await manager.update(
            issued.id,
            changes: SessionChanges(set: ["cart": [42]], unset: ["theme"])
        )
        print(updated.version)  // 2
        #expect(updated.version == 2)

        let signedIn = try await manager.rotate(issued.id, signingIn: "alice")
        let everywhereElse = try await manager.endAll(ofUser: "alice", except: signedIn.id)
        try await manager.end(signedIn.id)
        print(everywhereElse)

        let pruning = PruningService(store: manager.store, interval: .seconds(60))
        #expect(try await pruning.pruneOnce() == 0)
        #expect(try await manager.resume(encodedID: "not-an-id") == nil)
    }
}
