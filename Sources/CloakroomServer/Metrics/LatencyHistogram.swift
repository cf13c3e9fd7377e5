/// A Prometheus histogram's cumulative bucket counts, summed over its label sets, with the
/// quantile estimate Prometheus's `histogram_quantile` makes.
struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds, rising; the last is `+Inf`.
    var bounds: [Double]
    /// How many observations were at or below each bound (cumulative), matching `bounds`.
    var counts: [Double]

    init(bounds: [Double], counts: [Double]) {
        self.bounds = bounds
        self.counts = counts
    }

    /// The `name` buckets of the snapshot (`…_bucket{le="…"}`), every label set added together.
    init(_ snapshot: MetricsSnapshot, name: String) {
        var byBound: [Double: Double] = [:]
        for sample in snapshot.samples where sample.name == name {
            guard let text = sample.labels["le"], let bound = text == "+Inf" ? .infinity : Double(text) else {
                continue
            }
            byBound[bound, default: 0] += sample.value
        }
        let bounds = byBound.keys.sorted()
        self.init(bounds: bounds, counts: bounds.map { byBound[$0] ?? 0 })
    }

    /// The observations made since `earlier` (a reading of the same histogram).
    func subtracting(_ earlier: LatencyHistogram) -> LatencyHistogram {
        let before = Dictionary(zip(earlier.bounds, earlier.counts), uniquingKeysWith: +)
        return LatencyHistogram(bounds: bounds, counts: zip(bounds, counts).map { max(0, $1 - (before[$0] ?? 0)) })
    }

    /// The `q` quantile in seconds, interpolated linearly within its bucket; the highest finite
    /// bound when it falls in `+Inf`; `nil` without observations.
    func quantile(_ q: Double) -> Double? {
        guard let total = counts.last, total > 0 else { return nil }
        let rank = q * total
        guard let index = counts.firstIndex(where: { $0 >= rank }) else { return nil }
        guard bounds[index].isFinite else { return index > 0 ? bounds[index - 1] : nil }
        let lower = index > 0 ? bounds[index - 1] : 0
        let below = index > 0 ? counts[index - 1] : 0
        let inBucket = counts[index] - below
        guard inBucket > 0 else { return bounds[index] }
        return lower + (bounds[index] - lower) * (rank - below) / inBucket
    }
}
