import Metrics
import Tracing

/// Counters, a timer and a span name per operation, made once so a measured call costs no label
/// lookups.
///
/// Each operation counts in `<prefix>_total{operation, outcome}` (plus the `extraDimensions`),
/// where the outcome is `ok`, `rejected` (a ``CloakroomError`` about the request: no such session,
/// a version conflict, bad data, too many sessions) or `error` (the store or the system failed),
/// and records its latency in `<prefix>_duration_seconds{operation}`.
///
/// Each call is also a span, `<spanPrefix>.<operation>`, child of the caller's span (the task's
/// `ServiceContext`), with the attributes `cloakroom.operation`, `cloakroom.outcome`, the
/// `extraDimensions` as `cloakroom.<name>` and, when it failed, `cloakroom.error.code`; a failed
/// call's span has the error status with the code as its message.
///
/// Labels and attributes name operations, stores and error codes only, never a session, user or
/// token (errors are not recorded whole: their messages may name a session's handle).
struct OperationMetrics<Operation: RawRepresentable & CaseIterable & Hashable & Sendable>: Sendable
where Operation.RawValue == String {
    private struct Instruments: Sendable {
        let succeeded: Counter
        let rejected: Counter
        let failed: Counter
        let latency: Timer
        let spanName: String
    }

    private let instruments: [Operation: Instruments]
    private let tracer: any Tracer
    /// Whether spans are made: not for the no-op tracer.
    private let traces: Bool
    /// Whether outcomes are counted and timed: not for swift-metrics' no-op factory (the default
    /// until one is bootstrapped), whose instruments stay no-ops for good, so two clock reads
    /// and four calls into them per operation would buy nothing.
    private let counts: Bool
    private let spanKind: SpanKind
    private let spanAttributes: [(String, String)]

    init(
        prefix: String,
        extraDimensions: [(String, String)] = [],
        factory: any MetricsFactory,
        spanPrefix: String,
        spanKind: SpanKind = .internal,
        tracer: any Tracer
    ) {
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
                ),
                spanName: spanPrefix + "." + operation.rawValue
            )
        }
        self.instruments = instruments
        self.tracer = tracer
        traces = !(tracer is NoOpTracer)
        counts = !(factory is NOOPMetricsHandler)
        self.spanKind = spanKind
        spanAttributes = extraDimensions.map { ("cloakroom." + $0.0, $0.1) }
    }

    /// Error codes that say the request was wrong, not the system.
    private static var rejections: [CloakroomError.Code] {
        [
            .sessionNotFound, .versionConflict, .dataTooLarge, .invalidUserID, .invalidData, .tooManySessions,
            .duplicateKey, .invalidSessionID,
        ]
    }

    /// Runs `body` in its span, counting its outcome and timing it.
    func measure<Result>(
        _ operation: Operation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        // Without a tracer (the default until one is bootstrapped) a span would cost a
        // task-local binding and attribute dictionaries per call for nothing.
        guard traces else {
            guard counts else { return try await body() }
            return try await counted(operation, instruments[operation]!, span: nil, body)
        }
        let instruments = instruments[operation]!
        let span = tracer.startSpan(
            instruments.spanName,
            context: ServiceContext.current ?? .topLevel,
            ofKind: spanKind
        )
        defer { span.end() }
        if span.isRecording {
            span.attributes["cloakroom.operation"] = operation.rawValue
            for (name, value) in spanAttributes { span.attributes[name] = value }
        }
        return try await ServiceContext.withValue(span.context) {
            try await counted(operation, instruments, span: span, body)
        }
    }

    private func counted<Result>(
        _ operation: Operation,
        _ instruments: Instruments,
        span: (any Span)?,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let start = ContinuousClock.now
        let recording = span?.isRecording == true ? span : nil
        do {
            let result = try await body()
            instruments.latency.recordInterval(since: start)
            instruments.succeeded.increment()
            recording?.attributes["cloakroom.outcome"] = "ok"
            return result
        } catch {
            instruments.latency.recordInterval(since: start)
            let code = (error as? CloakroomError)?.code
            if let code, Self.rejections.contains(code) {
                instruments.rejected.increment()
                recording?.attributes["cloakroom.outcome"] = "rejected"
            } else {
                instruments.failed.increment()
                recording?.attributes["cloakroom.outcome"] = "error"
                recording?.setStatus(SpanStatus(code: .error, message: code?.description ?? "\(type(of: error))"))
            }
            recording?.attributes["cloakroom.error.code"] = code?.description ?? "\(type(of: error))"
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
