import Cloakroom
import CloakroomPostgres
import Foundation
import Logging

// Usage: PostgresPrune POSTGRES_URL [EXPIRED_ROWS] [BATCH_SIZE] [PAUSE_MS] [ROUNDS]
//
// Creates 10,000 live sessions in a fresh schema, then for each of ROUNDS rounds: inserts
// EXPIRED_ROWS already-expired sessions, measures resume latency (p50/p99, 4 concurrent callers)
// without pruning, then prunes everything in batches of BATCH_SIZE (resting PAUSE_MS between
// batches) while measuring resume latency again. Rounds repeat because on a shared machine one
// quiet p99 alone is too noisy to divide by. Ends with one prune with nothing else running.

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: PostgresPrune POSTGRES_URL [EXPIRED_ROWS] [BATCH_SIZE] [PAUSE_MS] [ROUNDS]")
    exit(2)
}
let expiredRows = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
let batchSize = arguments.count > 3 ? Int(arguments[3]) ?? 20_000 : 20_000
let batchPause = Duration.milliseconds(arguments.count > 4 ? Int(arguments[4]) ?? 50 : 50)
let rounds = arguments.count > 5 ? Int(arguments[5]) ?? 3 : 3
let liveSessions = 10_000
var logger = Logger(label: "prune-bench")
logger.logLevel = .warning

let configuration = try PostgresStoreConfiguration(
    url: arguments[1]
        + "?sslmode=disable&pool_size=8&timeout=60s&schema=prune_bench_\(UInt32.random(in: 0...UInt32.max))",
    setting: "POSTGRES_URL"
)
let store = try PostgresSessionStore(configuration: configuration, logger: logger)
// The store's run() connects and migrates; it lasts until the benchmark ends.
let running = Task { try await store.run() }
try await store.ready()
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

print("creating \(liveSessions) live sessions…")
let start = ContinuousClock.now
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

final class Done: @unchecked Sendable {
    // Written once by the pruning task, read by the callers; a lock keeps it simple and safe.
    private let lock = NSLock()
    private var value = false
    var isDone: Bool { lock.withLock { value } }
    func finish() { lock.withLock { value = true } }
}

/// One round's numbers.
struct Round {
    var pruned: Int
    var pruneSeconds: Double
    var quiet: [Double]
    var busy: [Double]
    var ratio: Double { percentile(busy, 0.99) / percentile(quiet, 0.99) }
}

/// Inserts the expired rows, measures resumes without pruning, then while pruning.
func measureRound() async throws -> Round {
    try await insertExpiredRows()
    try await store.client.query("VACUUM ANALYZE cloakroom_sessions")
    let quiet = try await measureResumes(count: 20_000) { false }
    let done = Done()
    let pruneStart = ContinuousClock.now
    async let pruning: (Int, Double) = {
        defer { done.finish() }
        let pruner = PruningService(store: store, batchSize: batchSize, batchPause: batchPause)
        let pruned = try await pruner.pruneOnce()
        return (pruned, elapsed(pruneStart))
    }()
    let busy = try await measureResumes(count: nil) { done.isDone }
    let (pruned, seconds) = try await pruning
    return Round(pruned: pruned, pruneSeconds: seconds, quiet: quiet, busy: busy)
}

func milliseconds(_ microseconds: Double) -> String { String(format: "%.2f ms", microseconds / 1000) }

var results: [Round] = []
for round in 1...rounds {
    print("round \(round): inserting \(expiredRows) expired rows, resuming, pruning…")
    results.append(try await measureRound())
}

// The same prune again with nothing else running, for the pruning rate on its own.
print("inserting \(expiredRows) expired rows for a prune with no other load…")
try await insertExpiredRows()
try await store.client.query("VACUUM ANALYZE cloakroom_sessions")
let aloneStart = ContinuousClock.now
let prunedAlone = try await PruningService(store: store, batchSize: batchSize, batchPause: batchPause).pruneOnce()
let aloneSeconds = elapsed(aloneStart)

print("")
print("batches of \(batchSize), \(batchPause) between batches, \(liveSessions) live sessions, 4 resuming callers")
print("")
print(
    "| round | rows pruned | prune time under load | resume p50 / p99 quiet | resume p50 / p99 while pruning | p99 ratio |"
)
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for (index, round) in results.enumerated() {
    print(
        "| \(index + 1) | \(round.pruned) | \(String(format: "%.1f s", round.pruneSeconds)) "
            + "| \(milliseconds(percentile(round.quiet, 0.5))) / \(milliseconds(percentile(round.quiet, 0.99))) "
            + "| \(milliseconds(percentile(round.busy, 0.5))) / \(milliseconds(percentile(round.busy, 0.99))) "
            + "| \(String(format: "%.2f×", round.ratio)) |"
    )
}
let quietAll = results.flatMap(\.quiet).sorted()
let busyAll = results.flatMap(\.busy).sorted()
let medianRatio = results.map(\.ratio).sorted()[results.count / 2]
print(
    "| all | \(results.map(\.pruned).reduce(0, +)) | \(String(format: "%.1f s", results.map(\.pruneSeconds).max() ?? 0)) max "
        + "| \(milliseconds(percentile(quietAll, 0.5))) / \(milliseconds(percentile(quietAll, 0.99))) "
        + "| \(milliseconds(percentile(busyAll, 0.5))) / \(milliseconds(percentile(busyAll, 0.99))) "
        + "| \(String(format: "%.2f× (median of rounds %.2f×)", percentile(busyAll, 0.99) / percentile(quietAll, 0.99), medianRatio)) |"
)
print("")
print(String(format: "prune with no other load: %d rows in %.1f s", prunedAlone, aloneSeconds))
running.cancel()
await store.close()
