import Prometheus

/// The samples of a Prometheus registry at one moment, parsed back from its text exposition so
/// the dashboard shows exactly what `/metrics` serves.
struct MetricsSnapshot: Sendable {
    struct Sample: Sendable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]

    init(registry: PrometheusCollectorRegistry) {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        self.init(text: String(decoding: buffer, as: UTF8.self))
    }

    /// Parses `name{label="value",…} number` lines; comments and anything malformed are skipped.
    init(text: String) {
        var samples: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                samples.append(Sample(name: String(series), labels: [:], value: value))
                continue
            }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)...].dropLast().split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            samples.append(Sample(name: String(series[..<brace]), labels: labels, value: value))
        }
        self.samples = samples
    }

    /// The sum of every sample called `name` whose labels include `matching`.
    func sum(_ name: String, matching: [String: String] = [:]) -> Double {
        samples.reduce(0) { total, sample in
            guard sample.name == name, matching.allSatisfy({ sample.labels[$0.key] == $0.value }) else { return total }
            return total + sample.value
        }
    }

    /// The distinct values of `label` among samples called `name`.
    func values(of label: String, in name: String) -> [String] {
        Array(Set(samples.filter { $0.name == name }.compactMap { $0.labels[label] })).sorted()
    }
}
