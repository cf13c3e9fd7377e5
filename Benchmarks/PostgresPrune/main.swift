import Cloakroom
import CloakroomPostgres
import Foundation
import Logging

// Usage: PostgresPrune POSTGRES_URL [EXPIRED_ROWS] [BATCH_SIZE]
//
// Fills a fresh schema with EXPIRED_ROWS already-expired sessions and 10,000 live ones, measures
// resume latency (p50/p99, 4 concurrent callers) without pruning, then prunes everything in
// batches while measuring resume latency again.

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: PostgresPrune POSTGRES_URL [EXPIRED_ROWS] [BATCH_SIZE]")
    exit(2)
}
let expiredRows = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
let batchSize = arguments.count > 3 ? Int(arguments[3]) ?? 5000 : 5000
let liveSessions = 10_000
var logger = Logger(label: "prune-bench")
logger.logLevel = .warning

let configuration = try PostgresStoreConfiguration(
    url: arguments[1]
        + "?sslmode=disable&pool_size=8&timeout=60s&schema=prune_bench_\(UInt32.random(in: 0...UInt32.max))",
    setting: "POSTGRES_URL"
)
let store = try await PostgresSessionStore(configuration: configuration, logger: logger)
let manager = try SessionManager(
    store: store,
    policy: SessionPolicy(idleTimeout: .seconds(7200), touchInterval: .seconds(3000))
)

func elapsed(_ start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Inserts `expiredRows` sessions whose deadlines passed a day ago, in one statement.
func insertExpiredRows() async throws {
    try await store.client.query(
        """
        INSERT INTO cloakroom_sessions
            (key, user_id, payload, metadata, last_seen_at, idle_deadline, absolute_deadline, deadline, version)
        SELECT sha256(int8send(g)), 'user-' || (g % 50000), '\\x007b7d'::bytea, '{"c": 0, "l": 0}'::jsonb,
            now() - interval '2 days', now() - interval '1 day' - g * interval '1 ms', now() - interval '1 hour',
            now() - interval '1 day' - g * interval '1 ms', 1
        FROM generate_series(1, \(expiredRows)) AS g
        """
    )
}

print("inserting \(expiredRows) expired rows…")
var start = ContinuousClock.now
try await insertExpiredRows()
print(String(format: "  %.1f s", elapsed(start)))

print("creating \(liveSessions) live sessions…")
start = ContinuousClock.now
let ids = try await withThrowingTaskGroup(of: [SessionID].self) { group in
    for worker in 0..<8 {
        group.addTask {
            var ids: [SessionID] = []
            for index in stride(from: worker, to: liveSessions, by: 8) {
                ids.append(
                    try await manager.create(userID: "live-\(index % 1000)", data: ["n": .number(Double(index))]).id
                )
            }
            return ids
        }
    }
    var all: [SessionID] = []
    for try await part in group { all += part }
    return all
}
print(String(format: "  %.1f s", elapsed(start)))
try await store.client.query("VACUUM ANALYZE cloakroom_sessions")

/// Resumes random live sessions from 4 concurrent callers until `stop` says so or `count` are done.
func measureResumes(count: Int?, until stop: @escaping @Sendable () -> Bool) async throws -> [Double] {
    try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<4 {
            group.addTask {
                var latencies: [Double] = []
                while count.map({ latencies.count < $0 / 4 }) ?? !stop() {
                    let id = ids.randomElement()!
                    let begin = ContinuousClock.now
                    guard try await manager.resume(id) != nil else { fatalError("a live session was not found") }
                    latencies.append(elapsed(begin) * 1e6)
                }
                return latencies
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all.sorted()
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

let quiet = try await measureResumes(count: 20_000) { false }

let done = Done()
final class Done: @unchecked Sendable {
    // Written once by the pruning task, read by the callers; a lock keeps it simple and safe.
    private let lock = NSLock()
    private var value = false
    var isDone: Bool { lock.withLock { value } }
    func finish() { lock.withLock { value = true } }
}

let pruneStart = ContinuousClock.now
async let pruning: (Int, Double) = {
    let pruner = PruningService(store: store, batchSize: batchSize)
    let pruned = try await pruner.pruneOnce()
    let seconds = elapsed(pruneStart)
    done.finish()
    return (pruned, seconds)
}()
let busy = try await measureResumes(count: nil) { done.isDone }
let (pruned, pruneSeconds) = try await pruning

// The same prune again with nothing else running, for the pruning rate on its own.
print("inserting \(expiredRows) expired rows again…")
try await insertExpiredRows()
try await store.client.query("VACUUM ANALYZE cloakroom_sessions")
let aloneStart = ContinuousClock.now
let prunedAlone = try await PruningService(store: store, batchSize: batchSize).pruneOnce()
let aloneSeconds = elapsed(aloneStart)

print("")
print("| measurement | value |")
print("| --- | ---: |")
print("| expired rows pruned | \(pruned) |")
print(String(format: "| prune time under resume load (batches of %d) | %.1f s |", batchSize, pruneSeconds))
print(String(format: "| prune rate | %.0f rows/s |", Double(pruned) / pruneSeconds))
print(String(format: "| prune time with no other load (%d rows) | %.1f s |", prunedAlone, aloneSeconds))
print(
    String(
        format: "| resume p50 / p99 without pruning (%d calls) | %.0f µs / %.0f µs |",
        quiet.count,
        percentile(quiet, 0.5),
        percentile(quiet, 0.99)
    )
)
print(
    String(
        format: "| resume p50 / p99 while pruning (%d calls) | %.0f µs / %.0f µs |",
        busy.count,
        percentile(busy, 0.5),
        percentile(busy, 0.99)
    )
)
print(String(format: "| p99 while pruning ÷ p99 without | %.2f× |", percentile(busy, 0.99) / percentile(quiet, 0.99)))
await store.close()
