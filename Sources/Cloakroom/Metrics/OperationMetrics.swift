import Metrics

/// Counters and a timer per operation, made once so a measured call costs no label lookups.
///
/// Each operation counts in `<prefix>_total{operation, outcome}` (plus the `extraDimensions`),
/// where the outcome is `ok`, `rejected` (a ``CloakroomError`` about the request: no such session,
/// a version conflict, bad data, too many sessions) or `error` (the store or the system failed), and records its latency in `<prefix>_duration_seconds{operation}`.
/// Labels name operations and stores only, never a session, user or token.
struct OperationMetrics<Operation: RawRepresentable & CaseIterable & Hashable & Sendable>: Sendable
where Operation.RawValue == String {
    private struct Instruments: Sendable {
        let succeeded: Counter
        let rejected: Counter
        let failed: Counter
        let latency: Timer
    }

    private let instruments: [Operation: Instruments]

    init(prefix: String, extraDimensions: [(String, String)] = [], factory: any MetricsFactory) {
        var instruments: [Operation: Instruments] = [:]
        for operation in Operation.allCases {
            let dimensions = extraDimensions + [("operation", operation.rawValue)]
            instruments[operation] = Instruments(
                succeeded: Counter(
                    label: prefix + "_total",
                    dimensions: dimensions + [("outcome", "ok")],
                    factory: factory
                ),
                rejected: Counter(
                    label: prefix + "_total",
                    dimensions: dimensions + [("outcome", "rejected")],
                    factory: factory
                ),
                failed: Counter(
                    label: prefix + "_total",
                    dimensions: dimensions + [("outcome", "error")],
                    factory: factory
                ),
                latency: Timer(
                    label: prefix + "_duration_seconds",
                    dimensions: dimensions,
                    preferredDisplayUnit: .seconds,
                    factory: factory
                )
            )
        }
        self.instruments = instruments
    }

    /// Error codes that say the request was wrong, not the system.
    private static var rejections: [CloakroomError.Code] {
        [
            .sessionNotFound, .versionConflict, .dataTooLarge, .invalidUserID, .invalidData, .tooManySessions,
            .duplicateKey, .invalidSessionID,
        ]
    }

    /// Runs `body`, counting its outcome and timing it.
    func measure<Result>(
        _ operation: Operation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let start = ContinuousClock.now
        let instruments = instruments[operation]!
        do {
            let result = try await body()
            instruments.latency.recordInterval(since: start)
            instruments.succeeded.increment()
            return result
        } catch {
            instruments.latency.recordInterval(since: start)
            if let error = error as? CloakroomError, Self.rejections.contains(error.code) {
                instruments.rejected.increment()
            } else {
                instruments.failed.increment()
            }
            throw error
        }
    }
}

extension Timer {
    fileprivate func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
