import Cloakroom
import Foundation
import Prometheus
import ServiceLifecycle
import Synchronization

/// Samples the session-operation counters and latency histogram every few seconds, and keeps an
/// hour of readings, so the dashboard can show rates per minute and the last hour's charts
/// without a time-series database.
///
/// A reading holds totals only (a few dozen numbers), so an hour at one reading every 5 s is
/// about 720 readings; readings older than an hour are dropped.
public final class OperationRates: Service, Sendable {
    struct Reading: Sendable {
        var time: ContinuousClock.Instant
        /// Operations so far, by operation, every outcome.
        var totals: [String: Double]
        /// Operations so far that failed (outcome `error`), every operation.
        var errors: Double
        /// The latency histogram so far, every operation.
        var latency: LatencyHistogram
    }

    /// One minute of the chart: what happened in it, per minute.
    struct Minute: Sendable, Equatable {
        var creates: Double
        var resumes: Double
        var errors: Double
        /// The 99th percentile of operation latency in seconds; `nil` when nothing ran.
        var p99: Double?
    }

    let registry: PrometheusCollectorRegistry
    let interval: Duration
    private let readings = Mutex<[Reading]>([])
    /// How far back readings are kept.
    static let kept = Duration.seconds(3600)

    /// Creates the sampler over `registry`, reading every `interval`.
    public init(registry: PrometheusCollectorRegistry, interval: Duration = .seconds(5)) {
        self.registry = registry
        self.interval = interval
    }

    /// Samples until shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            sample()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
        }
    }

    /// Reads the totals now (or at `time`, for tests).
    func sample(at time: ContinuousClock.Instant = .now) {
        let snapshot = MetricsSnapshot(registry: registry)
        var totals: [String: Double] = [:]
        for operation in snapshot.values(of: "operation", in: Self.counter) {
            totals[operation] = snapshot.sum(Self.counter, matching: ["operation": operation])
        }
        let reading = Reading(
            time: time,
            totals: totals,
            errors: snapshot.sum(Self.counter, matching: ["outcome": "error"]),
            latency: LatencyHistogram(snapshot, name: Self.latency)
        )
        readings.withLock { readings in
            readings.append(reading)
            let oldest = readings.firstIndex { time - $0.time <= Self.kept + .seconds(60) } ?? readings.endIndex
            readings.removeFirst(oldest)
        }
    }

    /// Reads the totals now unless the last reading is under a second old: the dashboard calls
    /// this so its rates include the moment it is shown.
    func sampleIfStale() {
        let last = readings.withLock { $0.last?.time }
        if let last, ContinuousClock.now - last < .seconds(1) { return }
        sample()
    }

    /// Operations per minute of `operation` over the last minute (or since the first reading,
    /// when that is younger); `nil` until two readings exist.
    func perMinute(_ operation: String) -> Double? {
        readings.withLock { readings in
            guard let last = readings.last,
                let first = Self.reading(in: readings, atOrBefore: last.time - .seconds(60))
                    ?? readings.first, last.time > first.time
            else { return nil }
            return Self.perMinute((last.totals[operation] ?? 0) - (first.totals[operation] ?? 0), first, last)
        }
    }

    /// The last `count` minutes, oldest first, ending at the latest reading; a minute before the
    /// first reading is `nil`. The newest minute, like ``perMinute(_:)``, reaches back to the
    /// first reading when that is younger than a minute.
    func lastMinutes(_ count: Int = 60) -> [Minute?] {
        readings.withLock { readings in
            guard let last = readings.last else { return Array(repeating: nil, count: count) }
            return (0..<count).reversed().map { age -> Minute? in
                let endTime = last.time - .seconds(60 * age)
                guard let end = Self.reading(in: readings, atOrBefore: endTime) else { return nil }
                let start =
                    Self.reading(in: readings, atOrBefore: endTime - .seconds(60))
                    ?? (age == 0 ? readings.first : nil)
                guard let start, end.time > start.time else { return nil }
                return Minute(
                    creates: Self.perMinute((end.totals["create"] ?? 0) - (start.totals["create"] ?? 0), start, end),
                    resumes: Self.perMinute((end.totals["resume"] ?? 0) - (start.totals["resume"] ?? 0), start, end),
                    errors: Self.perMinute(end.errors - start.errors, start, end),
                    p99: end.latency.subtracting(start.latency).quantile(0.99)
                )
            }
        }
    }

    /// The latest reading taken at or before `time`.
    private static func reading(in readings: [Reading], atOrBefore time: ContinuousClock.Instant) -> Reading? {
        readings.last { $0.time <= time }
    }

    private static func perMinute(_ count: Double, _ start: Reading, _ end: Reading) -> Double {
        max(0, count) * 60 / (end.time - start.time).seconds
    }

    static let counter = "cloakroom_session_operations_total"
    static let latency = "cloakroom_session_operations_duration_seconds_bucket"
}
