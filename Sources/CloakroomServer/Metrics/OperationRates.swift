import Cloakroom
import Foundation
import Prometheus
import ServiceLifecycle
import Synchronization

/// Samples the session-operation counters every few seconds so the dashboard can show rates per
/// minute without keeping anything but a minute of totals.
public final class OperationRates: Service, Sendable {
    struct Reading: Sendable {
        var time: ContinuousClock.Instant
        var totals: [String: Double]
    }

    let registry: PrometheusCollectorRegistry
    let interval: Duration
    private let readings = Mutex<[Reading]>([])
    /// One minute of readings.
    private let capacity: Int

    /// Creates the sampler over `registry`, reading every `interval`.
    public init(registry: PrometheusCollectorRegistry, interval: Duration = .seconds(5)) {
        self.registry = registry
        self.interval = interval
        capacity = Int(60 / interval.seconds) + 1
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

    /// Reads the totals now.
    func sample() {
        let snapshot = MetricsSnapshot(registry: registry)
        var totals: [String: Double] = [:]
        for operation in snapshot.values(of: "operation", in: Self.counter) {
            totals[operation] = snapshot.sum(Self.counter, matching: ["operation": operation])
        }
        let reading = Reading(time: .now, totals: totals)
        readings.withLock { readings in
            readings.append(reading)
            if readings.count > capacity { readings.removeFirst(readings.count - capacity) }
        }
    }

    /// Reads the totals now unless the last reading is under a second old: the dashboard calls
    /// this so its rates include the moment it is shown.
    func sampleIfStale() {
        let last = readings.withLock { $0.last?.time }
        if let last, ContinuousClock.now - last < .seconds(1) { return }
        sample()
    }

    /// Operations per minute of `operation` over the readings held (up to the last minute);
    /// `nil` until two readings exist.
    func perMinute(_ operation: String) -> Double? {
        readings.withLock { readings in
            guard let first = readings.first, let last = readings.last, last.time > first.time else { return nil }
            let elapsed = (last.time - first.time).seconds
            let count = (last.totals[operation] ?? 0) - (first.totals[operation] ?? 0)
            return max(0, count) * 60 / elapsed
        }
    }

    static let counter = "cloakroom_session_operations_total"
}
