import Cloakroom
import CloakroomHummingbird
import Hummingbird
import HummingbirdTesting
import InMemoryTracing
import Testing
import Tracing

@Suite("HTTP tracing: a server span per request, in the caller's trace")
struct HTTPTracingMiddlewareTests {
    private func string(_ span: FinishedInMemorySpan, _ name: String) -> String? {
        guard case .string(let value)? = span.attributes.get(name)?.toSpanAttribute() else { return nil }
        return value
    }

    @Test("the span continues the incoming trace, is named by route, and the manager's spans sit under it")
    func continuesTheCallersTrace() async throws {
        let tracer = InMemoryTracer()
        let manager = try SessionManager(store: MemorySessionStore(), tracer: tracer)
        let router = Router()
        router.add(middleware: HTTPTracingMiddleware(tracer: tracer))
        router.get("users/:user_id/sessions") { _, _ in
            _ = try await manager.create(userID: "ada@example.com")
            return "[]"
        }
        router.get("broken") { _, _ -> String in throw HTTPError(.serviceUnavailable) }
        try await Application(router: router).test(.router) { client in
            let headers: HTTPFields = [
                HTTPFields.Element.Name(InMemoryTracer.traceIDKey)!: "trace-1",
                HTTPFields.Element.Name(InMemoryTracer.spanIDKey)!: "caller-span",
            ]
            _ = try await client.execute(uri: "/users/ada@example.com/sessions?x=1", method: .get, headers: headers)
            _ = try await client.execute(uri: "/broken", method: .get)
            _ = try await client.execute(uri: "/nowhere", method: .get)
        }
        let spans = tracer.finishedSpans
        let server = try #require(spans.first { $0.operationName == "GET /users/{user_id}/sessions" })
        #expect(server.kind == .server)
        #expect(server.traceID == "trace-1" && server.parentSpanID == "caller-span")
        #expect(string(server, "http.route") == "/users/{user_id}/sessions")
        #expect(string(server, "http.request.method") == "GET")
        #expect(server.attributes.get("http.response.status_code")?.toSpanAttribute() == .int64(200))
        let create = try #require(spans.first { $0.operationName == "cloakroom.session.create" })
        #expect(create.parentSpanID == server.spanID && create.traceID == "trace-1")
        // Nothing of the request's own path, query or user.
        for span in spans {
            span.attributes.forEach { name, value in
                #expect(!"\(value)".contains("ada") && !"\(value)".contains("x=1"), "\(span.operationName) \(name)")
            }
        }
        let broken = try #require(spans.first { $0.operationName == "GET /broken" })
        #expect(broken.status?.code == .error, "a 5xx answer is an error")
        #expect(spans.contains { $0.operationName == "GET" && $0.kind == .server }, "no route: named by method")
    }
}
