import Benchmark
import Cloakroom
import CloakroomSQLite
import Foundation

/// Manager create, resume and update on the memory and SQLite stores, plus the building blocks
/// (ID generation and parsing, sealing) and a raw store load as the baseline each store's
/// manager numbers are compared with in the same run.
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

    // MARK: Stores

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cloakroom-bench-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let stores: [(String, any SessionStore)] = [
        ("memory", MemorySessionStore(maximumCount: 10_000_000)),
        ("sqlite", try! SQLiteSessionStore(path: folder.appendingPathComponent("bench.sqlite").path)),
    ]
    for (name, store) in stores {
        // A touch interval longer than the run keeps resume a pure read, as in production.
        let manager = try! SessionManager(store: store, policy: SessionPolicy(touchInterval: .seconds(600)))

        Benchmark("\(name): store.load (baseline)") { benchmark, issued in
            let now = Date()
            for _ in benchmark.scaledIterations { blackHole(try await store.load(issued.id.key, now: now)) }
        } setup: {
            try await manager.create(userID: "bench", data: ["n": 0])
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
