import CloakroomHummingbird
import Hummingbird
import HummingbirdTesting
import MetricsTestKit
import Testing

@Suite("HTTP metrics per route")
struct HTTPMetricsMiddlewareTests {
    /// A router with a parameterised route, a route that throws and one that fails unexpectedly.
    private func app(_ metrics: TestMetrics) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: HTTPMetricsMiddleware(factory: metrics))
        router.get("users/:user_id/sessions") { _, _ in "[]" }
        router.post("users/:user_id/sessions") { _, _ -> String in throw HTTPError(.conflict) }
        router.get("broken") { _, _ -> String in throw CancellationError() }
        return Application(router: router)
    }

    private func requests(_ metrics: TestMetrics, _ route: String, _ method: String, _ status: Int) throws -> Int64 {
        try metrics.expectCounter(
            "cloakroom_http_requests_total",
            [("route", route), ("method", method), ("status", String(status))]
        ).totalValue
    }

    @Test("requests count and time by the matched route's pattern, method and the status sent")
    func countsByRoute() async throws {
        let metrics = TestMetrics()
        try await app(metrics).test(.router) { client in
            for user in ["ada", "grace", "alan"] {
                _ = try await client.execute(uri: "/users/\(user)/sessions", method: .get)
            }
            let refused = try await client.execute(uri: "/users/ada/sessions", method: .post)
            #expect(refused.status == .conflict)
            let broken = try await client.execute(uri: "/broken", method: .get)
            #expect(broken.status == .internalServerError)
        }
        #expect(try requests(metrics, "/users/{user_id}/sessions", "GET", 200) == 3)
        #expect(try requests(metrics, "/users/{user_id}/sessions", "POST", 409) == 1)
        #expect(try requests(metrics, "/broken", "GET", 500) == 1)
        let timer = try metrics.expectTimer(
            "cloakroom_http_request_duration_seconds",
            [("route", "/users/{user_id}/sessions"), ("method", "GET"), ("status", "200")]
        )
        #expect(timer.values.count == 3)
        #expect(timer.values.allSatisfy { $0 > 0 && $0 < 10_000_000_000 })
        // No user's name became a label of any series.
        for counter in metrics.counters {
            for (_, value) in counter.dimensions {
                #expect(!["ada", "grace", "alan"].contains(where: value.contains))
            }
        }
    }

    @Test("paths no route takes and made-up methods share one series each, so a scan adds no series")
    func boundedLabels() async throws {
        let metrics = TestMetrics()
        try await app(metrics).test(.router) { client in
            for probe in 0..<20 {
                _ = try await client.execute(uri: "/admin/\(probe).php", method: .get)
            }
            _ = try await client.execute(uri: "/users/ada/sessions", method: HTTPRequest.Method("BREW")!)
        }
        #expect(try requests(metrics, "unmatched", "GET", 404) == 20)
        let routes = Set(metrics.counters.compactMap { $0.dimensions.first { $0.0 == "route" }?.1 })
        // BREW on a route that has GET and POST: no route takes it either.
        #expect(routes == ["unmatched"])
        let methods = Set(metrics.counters.compactMap { $0.dimensions.first { $0.0 == "method" }?.1 })
        #expect(methods == ["GET", "other"])
    }

    @Test("the latency buckets resolve sub-millisecond answers and rise in order")
    func buckets() {
        let buckets = HTTPMetricsMiddleware<BasicRequestContext>.latencyBuckets
        #expect(buckets.first == .microseconds(50))
        #expect(buckets.filter { $0 < .milliseconds(1) }.count >= 4)
        #expect(buckets == buckets.sorted())
        #expect(Set(buckets).count == buckets.count)
    }
}
