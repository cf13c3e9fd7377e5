import Cloakroom
import CloakroomServer
import Foundation

// Resume latency as a store grows: fills the store named by the first argument (memory,
// sqlite:PATH, postgres://…, redis://…) to each size in turn and times single resumes of random
// live sessions (one caller, so the numbers are latency, not throughput). For the memory store
// it also reports the resident memory each session costs. Run by scripts/bench-scale.
//
//   ScaleSeries STORE_URL [SIZES (1000,100000,1000000)] [SAMPLES (20000)]

let arguments = CommandLine.arguments
let storeURL = arguments.count > 1 ? arguments[1] : "memory"
let sizes = (arguments.count > 2 ? arguments[2] : "1000,100000,1000000").split(separator: ",").compactMap { Int($0) }
let samples = arguments.count > 3 ? Int(arguments[3]) ?? 20_000 : 20_000

/// Resident memory of this process, in bytes.
func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
        let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

let location = try StoreLocation(parsing: storeURL, setting: "store")
let store = try location.open()
// The store's run() (PostgreSQL connects and migrates there) lasts until the series ends.
let running = Task { try await store.run() }
// A touch interval longer than the run: every resume is the single read production sees.
let policy = SessionPolicy(
    idleTimeout: .seconds(3 * 3600),
    absoluteTimeout: .seconds(6 * 3600),
    touchInterval: .seconds(2 * 3600)
)
let manager = try SessionManager(store: store, policy: policy)
/// The IDs handed out, packed 32 bytes each: an array of `SessionID`s would cost a heap array per
/// ID and blur the store's own memory per session.
struct IssuedIDs {
    private var bytes: [UInt8] = []
    private(set) var count = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity * SessionID.byteCount) }

    mutating func append(_ id: SessionID) {
        bytes.append(contentsOf: id.bytes)
        count += 1
    }

    func randomElement() -> SessionID {
        let start = Int.random(in: 0..<count) * SessionID.byteCount
        let encoded = Data(bytes[start..<start + SessionID.byteCount]).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return try! SessionID(parsing: encoded)
    }
}
var ids = IssuedIDs(capacity: sizes.max() ?? 0)
let payload = Array(#"{"n":0,"user_id":"user"}"#.utf8)
HeapTrimService.trimOnce()
let baseline = residentBytes()
print("store \(storeURL); \(samples) resumes per size; one caller")
print("| live sessions | resume p50 | resume p99 | mean | fill time |")
print("| ---: | ---: | ---: | ---: | ---: |")
for size in sizes {
    let fillStart = ContinuousClock.now
    while ids.count < size {
        let now = Date()
        var batch: [StoredSession] = []
        for _ in 0..<min(1000, size - ids.count) {
            let id = SessionID.generate()
            ids.append(id)
            batch.append(
                StoredSession(
                    key: id.key,
                    userID: "user\(ids.count)",
                    payload: try SessionCipher.plaintext.seal(payload, for: id.key),
                    metadata: SessionMetadata(createdAt: now, lastSeenAt: now),
                    idleDeadline: now.addingTimeInterval(3 * 3600),
                    absoluteDeadline: now.addingTimeInterval(6 * 3600),
                    version: 1
                )
            )
        }
        _ = try await store.insertNew(batch, now: now)
    }
    let fillTime = ContinuousClock.now - fillStart
    // Warm up first (connections, prepared statements, scripts, caches), unmeasured.
    for _ in 0..<min(2000, samples / 10) { _ = try await manager.resume(ids.randomElement()) }
    var latencies: [Duration] = []
    latencies.reserveCapacity(samples)
    for _ in 0..<samples {
        let id = ids.randomElement()
        let start = ContinuousClock.now
        guard try await manager.resume(id) != nil else { fatalError("a filled session did not resume") }
        latencies.append(ContinuousClock.now - start)
    }
    latencies.sort()
    func microseconds(_ duration: Duration) -> String {
        String(
            format: "%.1f µs",
            Double(duration.components.attoseconds) / 1e12 + Double(duration.components.seconds) * 1e6
        )
    }
    let mean = latencies.reduce(Duration.zero, +) / samples
    print(
        "| \(size) | \(microseconds(latencies[samples / 2])) | \(microseconds(latencies[samples * 99 / 100])) | \(microseconds(mean)) | \(fillTime.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))) |"
    )
    if case .memory = location {
        let perSession = Double(residentBytes() - baseline) / Double(ids.count)
        // What glibc still holds of buffers freed as the tables grew is not the sessions' cost;
        // cloakroomd gives it back once a minute (HeapTrimService), so count without it too.
        HeapTrimService.trimOnce()
        let perSessionTrimmed = Double(residentBytes() - baseline) / Double(ids.count)
        print(
            "|  | memory: \(Int(perSession)) bytes resident per session, \(Int(perSessionTrimmed)) after malloc_trim (payload \(payload.count) B, the IDs 32 B) | | | |"
        )
    }
}
running.cancel()
await store.close()
