import Cloakroom
import CloakroomTesting
import Foundation
import Prometheus
import Testing

@testable import CloakroomServer

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("Dashboard charts: an hour of readings, p99 from the histogram, SVG without scripts or styles")
struct DashboardChartsTests {
    @Test("quantiles interpolate within the bucket, as Prometheus's histogram_quantile does")
    func quantiles() {
        let histogram = LatencyHistogram(bounds: [0.001, 0.002, 0.005, .infinity], counts: [50, 90, 99, 100])
        #expect(histogram.quantile(0.5) == 0.001)
        #expect(histogram.quantile(0.99) == 0.005)
        #expect(abs(histogram.quantile(0.95)! - (0.002 + 0.003 * 5 / 9)) < 1e-12)
        // Past the highest finite bound: that bound, not infinity.
        let slow = LatencyHistogram(bounds: [0.001, 0.002, 0.005, .infinity], counts: [10, 10, 10, 100])
        #expect(slow.quantile(0.99) == 0.005)
        #expect(LatencyHistogram(bounds: [0.001, .infinity], counts: [0, 0]).quantile(0.99) == nil)
        let earlier = LatencyHistogram(bounds: [0.001, 0.002, 0.005, .infinity], counts: [50, 50, 50, 50])
        #expect(histogram.subtracting(earlier).counts == [0, 40, 49, 50])
    }

    @Test("each minute of the last hour counts creates, resumes and errors, with the p99 of what ran in it")
    func minutesOfTheLastHour() async throws {
        let registry = PrometheusCollectorRegistry()
        let store = OutageSimulatingStore(MemorySessionStore())
        let manager = try SessionManager(
            store: store,
            metricsFactory: PrometheusMetricsFactory.cloakroom(registry: registry)
        )
        let rates = OperationRates(registry: registry)
        let start = ContinuousClock.now
        rates.sample(at: start)
        #expect(rates.lastMinutes(3) == [nil, nil, nil], "one reading makes no minute")

        // Minute 1: 6 creates, 12 resumes.
        for _ in 0..<6 {
            let issued = try await manager.create()
            for _ in 0..<2 { _ = try await manager.resume(issued.id) }
        }
        rates.sample(at: start + .seconds(60))
        // Minute 2: the store is down; 3 creates fail.
        store.isDown = true
        for _ in 0..<3 { _ = try? await manager.create() }
        store.isDown = false
        rates.sample(at: start + .seconds(120))

        let minutes = rates.lastMinutes(3)
        #expect(minutes[0] == nil, "before the first reading")
        let first = try #require(minutes[1])
        #expect(first.creates == 6 && first.resumes == 12 && first.errors == 0)
        let p99 = try #require(first.p99)
        #expect(p99 > 0 && p99 < 1, "a memory store answers well within a second: \(p99)")
        let second = try #require(minutes[2])
        #expect(second.creates == 3 && second.resumes == 0 && second.errors == 3)
        #expect(rates.perMinute("create") == 3, "the tile's rate is the last minute's")
    }

    @Test("readings older than an hour (and a minute) are dropped, so memory stays bounded")
    func boundedHistory() {
        let rates = OperationRates(registry: PrometheusCollectorRegistry())
        let start = ContinuousClock.now
        for second in stride(from: 0, through: 3 * 3600, by: 5) {
            rates.sample(at: start + .seconds(second))
        }
        let minutes = rates.lastMinutes()
        #expect(minutes.count == 60 && minutes.allSatisfy { $0 != nil })
        #expect(rates.lastMinutes(62).prefix(1).allSatisfy { $0 == nil }, "61 minutes ago is gone")
    }

    @Test("the chart is well-formed SVG with a title, gaps where readings are missing, and no style or script")
    func chartMarkup() throws {
        var values: [Double?] = Array(repeating: nil, count: 60)
        for minute in 40..<50 { values[minute] = Double(minute) }
        for minute in 55..<60 { values[minute] = 7 }
        let chart = DashboardChart(id: "chart-create", title: "Creates <per> minute", values: values) { "\(Int($0))" }
        let svg = chart.svg
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2, "two runs, split by the gap")
        #expect(svg.components(separatedBy: "<circle").count - 1 == 15)
        #expect(svg.contains("<title id=\"chart-create-title\">Creates &lt;per&gt; minute, last 60 minutes: latest 7"))
        #expect(svg.contains(">50</text>"), "the axis tops at 50, the next round number above 49")
        // The pages' policy would block both; neither is needed.
        #expect(!svg.contains("style") && !svg.contains("script"))
        #expect(svg.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "no event handler attribute")
        let empty = DashboardChart(id: "chart-p99", title: "p99", values: Array(repeating: nil, count: 60)) { "\($0)" }
        #expect(empty.svg.contains("collecting data") && empty.latest == "–")
    }

    @Test("axis tops round up to 1, 2 or 5 times a power of ten")
    func roundedAxis() {
        #expect(DashboardChart.roundedUp(0) == 1)
        #expect(DashboardChart.roundedUp(0.00042) == 0.0005)
        #expect(DashboardChart.roundedUp(1) == 1)
        #expect(DashboardChart.roundedUp(1.2) == 2)
        #expect(DashboardChart.roundedUp(3) == 5)
        #expect(DashboardChart.roundedUp(730) == 1000)
    }

    @Test("latencies read in µs, ms or s")
    func latencyText() {
        #expect(AdminPages.latency(0.000_42) == "420 µs")
        #expect(AdminPages.latency(0.0035) == "3.5 ms")
        #expect(AdminPages.latency(1.25) == "1.2 s" || AdminPages.latency(1.25) == "1.3 s")
    }
}
