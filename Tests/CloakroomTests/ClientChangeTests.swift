import Cloakroom
import CloakroomTesting
import Foundation
import Testing

@Suite("A resume from another client: recorded, reported, or acted on as the policy says")
struct ClientChangeTests {
    let clock = ManualClock()
    let store = MemorySessionStore()
    let events = RecordingEventSink()
    let home = ClientInfo(ip: "198.51.100.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
    let elsewhere = ClientInfo(ip: "203.0.113.99", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
    let otherBrowser = ClientInfo(
        ip: "198.51.100.7",
        userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15"
    )

    func manager(_ clientChange: ClientChangePolicy = ClientChangePolicy()) throws -> SessionManager {
        try SessionManager(
            store: store,
            policy: SessionPolicy(clientChange: clientChange),
            clock: clock,
            events: events
        )
    }

    func changes() -> [SessionEvent] { events.events.filter { $0.kind == .clientChanged } }

    @Test func byDefaultANewIPIsRecordedAsLastSeenAndReported() async throws {
        let manager = try manager()
        let issued = try await manager.create(userID: "ada", client: home)
        #expect(try await manager.resume(issued.id, client: home)?.metadata.ip == home.ip)
        #expect(changes().isEmpty)

        let moved = try #require(try await manager.resume(issued.id, client: elsewhere))
        #expect(moved.metadata.ip == elsewhere.ip)
        #expect(moved.metadata.authenticatedAt != nil)
        #expect(changes().count == 1)
        #expect(changes().first?.ip == elsewhere.ip && changes().first?.userID == "ada")
        // Stored, so "Your sessions" lists the last-seen address.
        #expect(try await manager.sessions(ofUser: "ada").first?.metadata.ip == elsewhere.ip)
        #expect(try await manager.resume(issued.id, client: elsewhere) != nil)
        #expect(changes().count == 1)
    }

    @Test func aResumeWithoutClientFactsComparesNothing() async throws {
        let manager = try manager(ClientChangePolicy(ipChange: .end, userAgentChange: .end))
        let issued = try await manager.create(client: home)
        #expect(try await manager.resume(issued.id) != nil)
        #expect(try await manager.resume(issued.id, client: ClientInfo()) != nil)
        #expect(changes().isEmpty)
    }

    @Test func aFactTheSessionDidNotKnowIsRecordedWithoutReacting() async throws {
        let manager = try manager(ClientChangePolicy(ipChange: .end, userAgentChange: .end))
        let issued = try await manager.create(userID: "ada")
        let resumed = try #require(try await manager.resume(issued.id, client: home))
        #expect(resumed.metadata.ip == home.ip)
        #expect(resumed.metadata.device == "Firefox on Linux")
        #expect(changes().isEmpty)
        #expect(try await manager.resume(issued.id, client: elsewhere) == nil)
    }

    @Test func endingOnANewIPEndsTheSessionEverywhere() async throws {
        let manager = try manager(ClientChangePolicy(ipChange: .end))
        let issued = try await manager.create(userID: "ada", client: home)
        #expect(try await manager.resume(issued.id, client: otherBrowser) != nil)  // only the user agent changed
        #expect(try await manager.resume(issued.id, client: elsewhere) == nil)
        #expect(try await manager.resume(issued.id, client: home) == nil)
        #expect(events.events.contains { $0.kind == .ended && $0.reason == .clientChanged && $0.userID == "ada" })
    }

    @Test func anotherBrowserCanRequireReauthentication() async throws {
        let manager = try manager(ClientChangePolicy(ipChange: .record, userAgentChange: .reauthenticate))
        let issued = try await manager.create(userID: "ada", client: home)
        #expect(issued.session.metadata.authenticatedAt != nil)
        let resumed = try #require(try await manager.resume(issued.id, client: otherBrowser))
        #expect(resumed.userID == "ada")
        #expect(resumed.metadata.authenticatedAt == nil)
        #expect(resumed.metadata.device == "Safari on macOS")
        #expect(try await manager.resume(issued.id)?.metadata.authenticatedAt == nil)
        #expect(changes().count == 1)
        // A fresh sign-in on the new browser records the time again.
        let again = try await manager.rotate(issued.id, signingIn: "ada")
        #expect(again.session.metadata.authenticatedAt == clock.now)
    }

    @Test func recordingStoresQuietlyAndIgnoringKeepsTheFirst() async throws {
        let recording = try manager(ClientChangePolicy(ipChange: .record, userAgentChange: .ignore))
        let issued = try await recording.create(client: home)
        #expect(try await recording.resume(issued.id, client: elsewhere)?.metadata.ip == elsewhere.ip)
        #expect(try await recording.resume(issued.id, client: otherBrowser)?.metadata.userAgent == home.userAgent)
        #expect(changes().isEmpty)
    }

    @Test func aChangeRacingAnUpdateLosesNeitherTheDataNorTheReaction() async throws {
        let manager = try manager(ClientChangePolicy(ipChange: .reauthenticate))
        let issued = try await manager.create(userID: "ada", client: home)
        async let moved = manager.resume(issued.id, client: elsewhere)
        async let updated = manager.update(issued.id, changes: SessionChanges(set: ["theme": "dark"]))
        let (resumed, _) = try await (moved, updated)
        #expect(resumed?.metadata.authenticatedAt == nil)
        let after = try #require(try await manager.resume(issued.id, client: elsewhere))
        #expect(after.data["theme"] == "dark")
        #expect(after.metadata.authenticatedAt == nil)
        #expect(after.metadata.ip == elsewhere.ip)
    }
}
