import Cloakroom
import CloakroomRedis
import Foundation
import RESP

// Usage: RedisThroughput REDIS_URL [SECONDS] [CALLERS]
//
// Measures, against one Redis server, operations per second and latency with CALLERS concurrent
// callers: the store's load (one HGETALL), the manager's resume (load + decode, no touch), a bare
// GET through the same RESP pool, and the same GET from 256 callers on one connection
// (pipelined). Prints one line per scenario: name, ops/s, p50 µs, p99 µs.

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: RedisThroughput REDIS_URL [SECONDS] [CALLERS]")
    exit(2)
}
let url = arguments[1]
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 5 : 5
let callers = arguments.count > 3 ? Int(arguments[3]) ?? 32 : 32

func elapsed(_ start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

final class Stop: @unchecked Sendable {
    // Set once by the timer, read by the callers.
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Runs `operation` from `callers` tasks for `seconds`; returns ops/s and sorted latencies in µs.
func measure(callers: Int, _ operation: @escaping @Sendable () async throws -> Void) async throws -> (Double, [Double])
{
    let stop = Stop()
    let start = ContinuousClock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<callers {
            group.addTask {
                var latencies: [Double] = []
                latencies.reserveCapacity(100_000)
                while !stop.isSet {
                    let begin = ContinuousClock.now
                    try await operation()
                    latencies.append(elapsed(begin) * 1e6)
                }
                return latencies
            }
        }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            stop.set()
            return []
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all.sorted()
    }
    return (Double(latencies.count) / elapsed(start), latencies)
}

func report(_ name: String, _ result: (Double, [Double])) {
    let (rate, sorted) = result
    let p50 = sorted[sorted.count / 2]
    let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
    print(String(format: "%@ %.0f %.0f %.0f", name, rate, p50, p99))
}

let prefix = "bench\(UInt32.random(in: 0...UInt32.max)):"
let configuration = try RedisStoreConfiguration(url: url + "?prefix=\(prefix)&pool_size=4")
let store = RedisSessionStore(configuration: configuration)
try await store.loadScripts()
let manager = try SessionManager(
    store: store,
    policy: SessionPolicy(idleTimeout: .seconds(7200), touchInterval: .seconds(3600))
)
var ids: [SessionID] = []
for index in 0..<10_000 {
    ids.append(try await manager.create(userID: "user-\(index % 1000)", data: ["n": .number(Double(index))]).id)
}
let sessionIDs = ids
let keys = ids.map(\.key)

// Warm up connections and caches.
_ = try await measure(callers: callers) { _ = try await store.load(keys.randomElement()!, now: Date()) }

report(
    "store-load",
    try await measure(callers: callers) { _ = try await store.load(keys.randomElement()!, now: Date()) }
)
report(
    "manager-resume",
    try await measure(callers: callers) { _ = try await manager.resume(sessionIDs.randomElement()!) }
)

guard case .standalone(let server) = configuration.topology else { exit(1) }
let pool = RESPConnectionPool(configuration: server, size: 4)
_ = try await pool.send(RESPCommand("SET", "key:__rand_int__", "xxx"), key: nil)
let get = RESPCommand("GET", "key:__rand_int__")
report("resp-get", try await measure(callers: callers) { _ = try await pool.send(get, key: nil) })
let single = RESPConnectionPool(configuration: server, size: 1)
report("resp-get-pipelined-256", try await measure(callers: 256) { _ = try await single.send(get, key: nil) })

// Clean up what the benchmark wrote, except one session for redis-benchmark to read the same way.
for key in keys.dropFirst() { try await store.delete(key, now: Date()) }
print("sample-key \(prefix)s:\(keys[0].hex)")
await pool.close()
await single.close()
await store.close()
