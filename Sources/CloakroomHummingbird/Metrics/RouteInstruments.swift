import Metrics
import Synchronization

/// The counter and timer of each route, method and status seen, made once.
final class RouteInstruments: Sendable {
    struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    struct Instrument: Sendable {
        let requests: Counter
        let duration: Timer

        func record(_ elapsed: Duration) {
            requests.increment()
            duration.recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            )
        }
    }

    private let prefix: String
    private let factory: any MetricsFactory
    private let made = Mutex<[Key: Instrument]>([:])

    init(prefix: String, factory: any MetricsFactory) {
        self.prefix = prefix
        self.factory = factory
    }

    func instrument(route: String, method: String, status: Int) -> Instrument {
        let key = Key(route: route, method: method, status: status)
        if let known = made.withLock({ $0[key] }) { return known }
        let dimensions = [("route", route), ("method", method), ("status", String(status))]
        let made = Instrument(
            requests: Counter(label: prefix + "_requests_total", dimensions: dimensions, factory: factory),
            duration: Timer(
                label: prefix + "_request_duration_seconds",
                dimensions: dimensions,
                preferredDisplayUnit: .seconds,
                factory: factory
            )
        )
        // Two requests may make the same instrument at once; the factory hands both the same
        // series, so keeping the first is right.
        return self.made.withLock { instruments in
            if let first = instruments[key] { return first }
            instruments[key] = made
            return made
        }
    }
}
