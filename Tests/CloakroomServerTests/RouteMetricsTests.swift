import APITestSupport
import Cloakroom
import CloakroomServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Per-route metrics on /metrics")
struct RouteMetricsTests {
    /// The value of the series `name{labels}` on the page, or `nil` when it is absent.
    private func value(_ page: String, _ name: String, _ labels: String) -> Double? {
        let prefix = "\(name){\(labels)} "
        return page.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
    }

    @Test("each route's requests count by method and status, with sub-millisecond latency buckets")
    func perRouteSeries() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let ada = try await client.create(["user_id": "ada@example.com"])
            _ = try await client.create(["user_id": "ada@example.com"])
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": ada.id]).status == .ok)
            let unknown = String(repeating: "A", count: 43)
            let missing = try await client.call(.post, "/v1/sessions/resume", json: ["id": unknown])
            #expect(missing.status == .notFound)
            #expect(try await client.call(.get, "/v1/users/ada@example.com/sessions").status == .ok)
            #expect(try await client.call(.get, "/v1/sessions", authorization: nil).status == .methodNotAllowed)
            #expect(try await client.call(.get, "/wp-login.php", authorization: nil).status == .notFound)

            let page = try await client.page(.get, "/metrics").html
            let requests = "cloakroom_http_requests_total"
            #expect(value(page, requests, #"route="/v1/sessions",method="POST",status="201""#) == 2)
            #expect(value(page, requests, #"route="/v1/sessions/resume",method="POST",status="200""#) == 1)
            #expect(value(page, requests, #"route="/v1/sessions/resume",method="POST",status="404""#) == 1)
            #expect(value(page, requests, #"route="/v1/users/{user_id}/sessions",method="GET",status="200""#) == 1)
            #expect(value(page, requests, #"route="unmatched",method="GET",status="405""#) == 1)
            #expect(value(page, requests, #"route="unmatched",method="GET",status="404""#) == 1)
            let buckets = "cloakroom_http_request_duration_seconds_bucket"
            let resumed = #"route="/v1/sessions/resume",method="POST",status="200""#
            #expect(value(page, buckets, resumed + #",le="0.00005""#) != nil)
            #expect(value(page, buckets, resumed + #",le="+Inf""#) == 1)
            // A user ID or a session ID is never a label.
            #expect(!page.contains("ada@example.com") && !page.contains(ada.id))
        }
    }
}
