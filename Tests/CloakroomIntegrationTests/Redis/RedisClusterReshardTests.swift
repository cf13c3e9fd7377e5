import Cloakroom
import CloakroomRedis
import CloakroomTesting
import Foundation
import RESP
import Synchronization
import TestSupport
import Testing

/// Runs `redis-cli` with the arguments and returns what it printed; throws when it fails.
func redisCLI(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["redis-cli"] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw CloakroomError(
            .storeUnavailable,
            "redis-cli \(arguments.joined(separator: " ")) failed: \(text.suffix(500))"
        )
    }
    return text
}

@Suite("Redis Cluster resharding", .needsServer("CLOAKROOM_TEST_REDIS_CLUSTER"))
struct RedisClusterReshardTests {
    /// Moves 1,000 slots from one primary to another and back while sessions are created,
    /// updated and resumed: no call may fail.
    @Test func noRequestFailsWhileSlotsMove() async throws {
        guard let url = try TestServers.redisCluster() else { return }
        let seed = String(url.dropFirst("redis-cluster://".count).split(separator: ",")[0])
        let (host, port) = (String(seed.split(separator: ":")[0]), String(seed.split(separator: ":")[1]))
        let primaries = try redisCLI(["-h", host, "-p", port, "cluster", "nodes"])
            .split(separator: "\n")
            .map { $0.split(separator: " ") }
            .filter { $0.count > 8 && $0[2].contains("master") }
            .sorted { $0[1] < $1[1] }
        try #require(primaries.count == 3)
        let (from, to) = (String(primaries[0][0]), String(primaries[1][0]))

        let store = try makeRedisStore(url, prefix: "reshard\(UInt64.random(in: 0...UInt64.max)):")
        defer { Task { await store.close() } }
        let manager = try SessionManager(store: store)
        var ids: [SessionID] = []
        for index in 0..<300 { ids.append(try await manager.create(userID: "mover-\(index % 10)").id) }
        let seeded = ids

        let moving = Flag()
        moving.set(true)
        let traffic = Task {
            var calls = 0
            var failures: [String] = []
            while moving.isSet {
                do {
                    let id = seeded.randomElement()!
                    if try await manager.resume(id) == nil { failures.append("a session went missing") }
                    _ = try await manager.update(id, changes: SessionChanges(set: ["n": .number(Double(calls))]))
                    _ = try await manager.create(userID: "mover-\(calls % 10)")
                    _ = try await manager.sessions(ofUser: "mover-\(calls % 10)")
                    calls += 4
                } catch {
                    failures.append("\(error)")
                }
            }
            return (calls, failures)
        }
        for (source, target) in [(from, to), (to, from)] {
            _ = try redisCLI([
                "--cluster", "reshard", seed, "--cluster-from", source, "--cluster-to", target,
                "--cluster-slots", "1000", "--cluster-yes", "--cluster-pipeline", "20",
            ])
        }
        moving.set(false)
        let (calls, failures) = await traffic.value
        #expect(failures.isEmpty, "\(failures.count) of \(calls) calls failed, first: \(failures.first ?? "")")
        // Traffic really ran during the moves (the redirections below prove it crossed moving
        // slots). A floor, not a speed: the whole suite shares two cores with this test, and a
        // round of four calls (a create under the per-user limit lists the user's ~40 sessions)
        // took up to 2 s there.
        #expect(calls >= 40, "only \(calls) calls ran while slots moved")
        let client = try #require(store.client as? RESPClusterClient)
        #expect(client.redirections > 0, "no MOVED or ASK was seen: the test moved nothing under traffic")
        print("reshard: \(calls) calls during two moves of 1000 slots, \(client.redirections) redirections, 0 failures")
    }
}

/// A flag shared between the test and its traffic task.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set(_ new: Bool) { value.withLock { $0 = new } }
}
