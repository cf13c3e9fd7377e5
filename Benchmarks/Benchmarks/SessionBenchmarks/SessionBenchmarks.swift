import Benchmark
import Cloakroom
import CloakroomHummingbird
import CloakroomSQLite
import CloakroomServer
import Foundation
import Hummingbird
import RESP

/// Manager create, resume and update on every store, plus the building blocks (ID generation and
/// parsing, sealing, RESP encoding and decoding, cookie parsing and formatting) and a raw store
/// load as the baseline each store's manager numbers are compared with in the same run.
///
/// PostgreSQL and Redis join when `CLOAKROOM_BENCH_POSTGRES` and `CLOAKROOM_BENCH_REDIS` name
/// servers (`scripts/bench-micro` starts throw-away ones).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        warmupIterations: 100,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 200_000
    )

    // MARK: Building blocks

    Benchmark("SessionID.generate") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(SessionID.generate()) }
    }

    let encoded = SessionID.generate().encoded
    Benchmark("SessionID.parse + key") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try SessionID(parsing: encoded).key) }
    }

    // The SHA-256 that turns an ID into the key a store sees, on every request with a cookie.
    let hashedID = SessionID.generate()
    Benchmark("SessionID.key (SHA-256 of 32 bytes)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(hashedID.key) }
    }

    let cipher = try! SessionCipher(keys: [EncryptionKey.generate(id: "bench")])
    let key = SessionID.generate().key
    let json = Array(#"{"user_id":"alice","n":42,"cart":[1,2,3],"theme":"dark"}"#.utf8)
    let sealed = try! cipher.seal(json, for: key)
    Benchmark("cipher seal (64 B)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try cipher.seal(json, for: key)) }
    }
    Benchmark("cipher open (64 B)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try cipher.open(sealed, for: key)) }
    }

    // MARK: RESP

    // What the Redis store sends to load a session (HMGET of its 12 fields), and a reply like the
    // one it gets for a signed-in session.
    let fieldNames = ["v", "u", "a", "i", "l", "c", "t", "ip", "ua", "dv", "p", "k"]
    let command = RESPCommand(
        "HMGET",
        [RESPArgument(bytes: Array("cloakroom:s:".utf8) + Array(repeating: 7, count: 32))]
            + fieldNames.map { RESPArgument($0) }
    )
    Benchmark("RESP encode (HMGET, 12 fields)") { benchmark in
        var buffer = ByteBuffer()
        for _ in benchmark.scaledIterations {
            buffer.clear()
            command.encode(into: &buffer)
            blackHole(buffer.readableBytes)
        }
    }
    let replyValues = [
        "12", "alice", "1764382400000000", "1764342800000000", "1764339200000000", "1764339200000000",
        "", "192.0.2.7", String(repeating: "u", count: 110), "Chrome on macOS", String(repeating: "p", count: 64), "",
    ]
    var reply = ByteBuffer()
    reply.writeString("*\(replyValues.count)\r\n")
    for value in replyValues { reply.writeString("$\(value.utf8.count)\r\n\(value)\r\n") }
    let decoder = RESPDecoder()
    Benchmark("RESP decode (12 bulk strings, \(reply.readableBytes) B)") { benchmark in
        for _ in benchmark.scaledIterations {
            var input = reply
            blackHole(try decoder.decode(&input))
        }
    }

    // MARK: Cookies

    let cookieOptions = try! SessionCookieOptions()
    let cookieValue = SessionID.generate().encoded
    var cookies = HTTPFields()
    cookies[.cookie] = "theme=dark; \(cookieOptions.name)=\(cookieValue); _ga=GA1.2.1234567890.1764339200"
    Benchmark("cookie parse (3 cookies)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(CookieHeader.value(named: cookieOptions.name, in: cookies))
        }
    }
    let expires = Date(timeIntervalSince1970: 1_764_342_800)
    Benchmark("cookie format (Set-Cookie with Expires)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(cookieOptions.setCookie(value: cookieValue, expires: expires))
        }
    }

    // MARK: Stores

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cloakroom-bench-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var stores: [(String, any SessionStore)] = [
        ("memory", MemorySessionStore(maximumCount: 10_000_000)),
        ("sqlite", try! SQLiteSessionStore(path: folder.appendingPathComponent("bench.sqlite").path)),
    ]
    let environment = ProcessInfo.processInfo.environment
    for (name, variable) in [("postgres", "CLOAKROOM_BENCH_POSTGRES"), ("redis", "CLOAKROOM_BENCH_REDIS")] {
        guard let url = environment[variable] else { continue }
        stores.append((name, try! openStore(url, setting: variable)))
    }
    for (name, store) in stores {
        // A touch interval longer than the run keeps resume a pure read, as in production.
        let manager = try! SessionManager(store: store, policy: SessionPolicy(touchInterval: .seconds(600)))

        Benchmark("\(name): store.load (baseline)") { benchmark, issued in
            let now = Date()
            for _ in benchmark.scaledIterations { blackHole(try await store.load(issued.id.key, now: now)) }
        } setup: {
            try await manager.create(userID: "bench", data: ["n": 0])
        }

        if name == "postgres" {
            // The store's own client sending `SELECT 1` (its health check): the round trip that
            // `store.load` is held to within 3x of, measured in the same run.
            Benchmark("postgres: store.health (SELECT 1)") { benchmark in
                for _ in benchmark.scaledIterations { blackHole(await store.health()) }
            }
        }

        Benchmark("\(name): manager.create") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try await manager.create(data: ["n": 0])) }
        }

        Benchmark("\(name): manager.resume") { benchmark, issued in
            for _ in benchmark.scaledIterations { blackHole(try await manager.resume(issued.id)) }
        } setup: {
            try await manager.create(userID: "bench", data: ["n": 0])
        }

        Benchmark("\(name): manager.update") { benchmark, issued in
            var value = 0.0
            for _ in benchmark.scaledIterations {
                value += 1
                blackHole(try await manager.update(issued.id, changes: SessionChanges(set: ["n": .number(value)])))
            }
        } setup: {
            try await manager.create(userID: "bench", data: ["n": 0])
        }
    }
}

/// Opens the store at `url` and runs it (PostgreSQL connects and migrates in its `run()`) for
/// the rest of the benchmark process.
private func openStore(_ url: String, setting: String) throws -> any SessionStore {
    let store = try StoreLocation(parsing: url, setting: setting).open()
    Task { try await store.run() }
    return store
}
