import Cloakroom
import CloakroomRedis
import CloakroomTesting
import Foundation
import RESP
import Synchronization
import TestSupport
import Testing

/// A client that forwards to another and records the name of every command it sends.
final class RecordingClient: RESPClient {
    let inner: any RESPClient
    private let sent = Mutex<[String]>([])

    init(_ inner: any RESPClient) { self.inner = inner }

    var commands: [String] { sent.withLock { $0 } }
    func reset() { sent.withLock { $0 = [] } }

    func send(_ command: RESPCommand, key: [UInt8]?) async throws -> RESPValue {
        sent.withLock { $0.append(command.description) }
        return try await inner.send(command, key: key)
    }

    func primaries() async throws -> [any RESPClient] { try await inner.primaries() }
    var serverDescription: String { inner.serverDescription }
    func close() async { await inner.close() }
}

@Suite("Redis round trips", .needsServer("CLOAKROOM_TEST_REDIS"))
struct RedisRoundTripTests {
    @Test func resumeIsOneRoundTripAndTouchOneMore() async throws {
        guard let url = try TestServers.redis() else { return }
        guard case .standalone(let server) = try RedisStoreConfiguration(url: url).topology else { return }
        let client = RecordingClient(RESPConnectionPool(configuration: server, size: 1))
        let store = RedisSessionStore(client: client, keyPrefix: "trips\(UInt64.random(in: 0...UInt64.max)):")
        defer { Task { await store.close() } }
        let clock = ManualClock(start: Date())
        let manager = try SessionManager(
            store: store,
            policy: SessionPolicy(idleTimeout: .seconds(600), touchInterval: .seconds(60)),
            clock: clock
        )
        try await store.loadScripts()
        let created = try await manager.create(userID: "tripper")
        client.reset()
        for _ in 0..<10 { _ = try await manager.resume(created.id) }
        #expect(client.commands == Array(repeating: "HMGET", count: 10), "\(client.commands)")

        clock.advance(by: .seconds(61))
        client.reset()
        _ = try await manager.resume(created.id)
        #expect(client.commands == ["HMGET", "EVALSHA"], "a resume past the touch interval: read, then touch")

        client.reset()
        _ = try await manager.update(created.id, changes: SessionChanges(set: ["n": 1]))
        #expect(client.commands == ["HMGET", "EVALSHA"], "read, compare-and-set: \(client.commands)")

        // A write that gives a session a user: declined, indexed, written; then listed.
        let anonymous = try await manager.create()
        let stored = try #require(try await store.load(anonymous.id.key, now: clock.now))
        var signedIn = stored
        signedIn.userID = "newcomer"
        signedIn.version += 1
        client.reset()
        #expect(try await store.compareAndSet(signedIn, expectedVersion: stored.version, now: clock.now))
        #expect(client.commands == ["EVALSHA", "EVALSHA", "EVALSHA"], "\(client.commands)")
        #expect(try await store.sessions(ofUser: "newcomer", now: clock.now).map(\.key) == [stored.key])
    }
}
