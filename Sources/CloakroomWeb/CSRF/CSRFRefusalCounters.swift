import Metrics

/// `cloakroom_csrf_refusals_total{reason}`: one counter per ``CSRFRefusal``, made once when a
/// middleware is created rather than per refusal.
public struct CSRFRefusalCounters: Sendable {
    let counters: [CSRFRefusal: Counter]

    /// Creates the counters in `metricsFactory`, or in the global factory when it is `nil`.
    public init(metricsFactory: (any MetricsFactory)? = nil) {
        var counters: [CSRFRefusal: Counter] = [:]
        for reason in CSRFRefusal.allCases {
            counters[reason] =
                if let metricsFactory {
                    Counter(
                        label: "cloakroom_csrf_refusals_total",
                        dimensions: [("reason", reason.rawValue)],
                        factory: metricsFactory
                    )
                } else {
                    Counter(label: "cloakroom_csrf_refusals_total", dimensions: [("reason", reason.rawValue)])
                }
        }
        self.counters = counters
    }

    /// Counts one refusal.
    public func record(_ refusal: CSRFRefusal) {
        counters[refusal]?.increment()
    }
}
