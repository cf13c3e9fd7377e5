import CloakroomTesting
import Foundation
import RESP
import TestSupport
import Testing

/// The standalone test server's address, or `nil` when no server runs (a failure under CI).
func testServer() throws -> RESPConnectionConfiguration? {
    guard let url = try TestServers.redis() else { return nil }
    let address = url.dropFirst("redis://".count)
    let port = Int(address.split(separator: ":").last ?? "") ?? 6379
    return RESPConnectionConfiguration(host: String(address.split(separator: ":").first ?? ""), port: port)
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("RESP connections on a real Redis", .needsServer("CLOAKROOM_TEST_REDIS"))
struct RESPConnectionTests {
    @Test func pipelinedRepliesReachTheirCallers() async throws {
        guard let server = try testServer() else { return }
        let connection = try await RESPConnection.connect(server)
        defer { Task { await connection.close() } }
        let key = "pipeline:\(UInt64.random(in: 0...UInt64.max))"
        let values = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<500 {
                group.addTask { try await connection.send(RESPCommand("INCR", RESPArgument(key))).int ?? -1 }
            }
            var values: [Int64] = []
            for try await value in group { values.append(value) }
            return values
        }
        #expect(values.sorted() == Array(1...500))
        _ = try await connection.send(RESPCommand("DEL", RESPArgument(key)))
    }

    @Test(.timeLimit(.minutes(1))) func aRequestOnAClosedConnectionFailsAtOnce() async throws {
        guard let server = try testServer() else { return }
        let connection = try await RESPConnection.connect(server)
        _ = try await connection.send(RESPCommand("PING"))
        await connection.close()
        #expect(!connection.isActive)
        // Requests are written without a promise each; a closed channel's must still be failed,
        // not left waiting for a reply that cannot come.
        let started = ContinuousClock.now
        let error = await #expect(throws: RESPError.self) { try await connection.send(RESPCommand("PING")) }
        #expect(error?.code == .connectionFailed)
        #expect(ContinuousClock.now - started < .seconds(1))
    }

    @Test func speaksRESP3AndFallsBackToRESP2() async throws {
        guard var server = try testServer() else { return }
        let key = "hash:\(UInt64.random(in: 0...UInt64.max))"
        let three = try await RESPConnection.connect(server)
        #expect(three.protocolVersion == 3)
        _ = try await three.send(RESPCommand("HSET", RESPArgument(key), "f", "v"))
        let map = try await three.send(RESPCommand("HGETALL", RESPArgument(key)))
        #expect(map == .map([.init(key: .bulkString(bytes("f")), value: .bulkString(bytes("v")))]))
        server.preferRESP3 = false
        let two = try await RESPConnection.connect(server)
        #expect(two.protocolVersion == 2)
        #expect(
            try await two.send(RESPCommand("HGETALL", RESPArgument(key)))
                == .array([.bulkString(bytes("f")), .bulkString(bytes("v"))])
        )
        #expect(try await two.send(RESPCommand("HGETALL", RESPArgument(key))).elements == map.elements)
        _ = try await three.send(RESPCommand("DEL", RESPArgument(key)))
        await three.close()
        await two.close()
    }

    @Test func authenticatesWithAnACLUserAndRefusesAWrongPassword() async throws {
        guard var server = try testServer() else { return }
        let admin = try await RESPConnection.connect(server)
        defer { Task { await admin.close() } }
        let user = "cloakroom-test-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await admin.send(
            RESPCommand("ACL", "SETUSER", RESPArgument(user), "on", ">right-password", "~*", "+@all")
        )
        server.username = user
        server.password = "right-password"
        for preferRESP3 in [true, false] {
            server.preferRESP3 = preferRESP3
            let connection = try await RESPConnection.connect(server)
            #expect(try await connection.send(RESPCommand("ACL", "WHOAMI")).string == user)
            await connection.close()
            server.password = "wrong-password"
            let error = await #expect(throws: RESPError.self) { try await RESPConnection.connect(server) }
            #expect(error?.code == .connectionFailed)
            #expect(error?.message.contains("credentials") == true)
            #expect(error?.message.contains("wrong-password") == false)
            server.password = "right-password"
        }
        _ = try await admin.send(RESPCommand("ACL", "DELUSER", RESPArgument(user)))
    }

    @Test func selectsTheDatabase() async throws {
        guard var server = try testServer() else { return }
        let key = "db:\(UInt64.random(in: 0...UInt64.max))"
        server.database = 3
        let three = try await RESPConnection.connect(server)
        _ = try await three.send(RESPCommand("SET", RESPArgument(key), "here", "PX", "60000"))
        server.database = 0
        let zero = try await RESPConnection.connect(server)
        #expect(try await zero.send(RESPCommand("GET", RESPArgument(key))) == .null)
        #expect(try await three.send(RESPCommand("GET", RESPArgument(key))).string == "here")
        await three.close()
        await zero.close()
    }

    @Test func aSlowReplyTimesOutAndThePoolRecovers() async throws {
        guard var server = try testServer() else { return }
        server.commandTimeout = .milliseconds(200)
        let pool = RESPConnectionPool(configuration: server, size: 1)
        defer { Task { await pool.close() } }
        // Connect first, so that only the command is timed.
        #expect(try await pool.send(RESPCommand("PING"), key: nil) == .simpleString("PONG"))
        let started = ContinuousClock.now
        let error = await #expect(throws: RESPError.self) {
            try await pool.send(RESPCommand("BLPOP", "cloakroom-test:never", "5"), key: nil)
        }
        #expect(error?.code == .timeout)
        // BLPOP answers after 5 s; the 200 ms timeout is far sooner, even on a machine busy with
        // the rest of the suite.
        #expect(ContinuousClock.now - started < .seconds(4))
        // A new connection replaces the closed one at once.
        #expect(try await pool.send(RESPCommand("PING"), key: nil) == .simpleString("PONG"))
    }

    @Test func aKilledConnectionIsReplaced() async throws {
        guard let server = try testServer() else { return }
        let pool = RESPConnectionPool(configuration: server, size: 1)
        defer { Task { await pool.close() } }
        let id = try #require(try await pool.send(RESPCommand("CLIENT", "ID"), key: nil).int)
        let admin = try await RESPConnection.connect(server)
        _ = try await admin.send(RESPCommand("CLIENT", "KILL", "ID", RESPArgument(id)))
        await admin.close()
        var answered = false
        for _ in 0..<5 where !answered {
            answered = (try? await pool.send(RESPCommand("PING"), key: nil)) == .simpleString("PONG")
        }
        #expect(answered)
        #expect(try await pool.send(RESPCommand("CLIENT", "ID"), key: nil).int != id)
    }

    @Test func scriptsRunBySHAAndAreSentWhenTheServerLacksThem() async throws {
        guard let server = try testServer() else { return }
        let pool = RESPConnectionPool(configuration: server, size: 1)
        defer { Task { await pool.close() } }
        // A script the server has never seen (no global SCRIPT FLUSH: other tests share the server).
        let script = RESPScript("-- \(UInt64.random(in: 0...UInt64.max))\nreturn {KEYS[1], ARGV[1]}")
        let key = bytes("script:\(UInt64.random(in: 0...UInt64.max))")
        let before = try await pool.send(RESPCommand("SCRIPT", "EXISTS", RESPArgument(script.sha1)), key: nil)
        #expect(before.elements?.first?.int == 0)
        let first = try await pool.run(script, keys: [key], arguments: ["a"])
        #expect(first.elements?.compactMap(\.bytes) == [key, bytes("a")])
        let exists = try await pool.send(RESPCommand("SCRIPT", "EXISTS", RESPArgument(script.sha1)), key: nil)
        #expect(exists.elements?.first?.int == 1, "EVAL cached the script under the SHA-1 we computed")
    }

    @Test func aDownServerFailsFastWhileBackingOff() async throws {
        let closedPort = RESPConnectionConfiguration(host: "127.0.0.1", port: 1, connectTimeout: .seconds(1))
        let pool = RESPConnectionPool(configuration: closedPort, size: 1, initialBackoff: .seconds(4))
        let first = await #expect(throws: RESPError.self) { try await pool.send(RESPCommand("PING"), key: nil) }
        #expect(first?.code == .connectionFailed)
        let started = ContinuousClock.now
        let second = await #expect(throws: RESPError.self) { try await pool.send(RESPCommand("PING"), key: nil) }
        #expect(second?.code == .unavailable)
        #expect(ContinuousClock.now - started < .seconds(1))
        await pool.close()
    }
}
