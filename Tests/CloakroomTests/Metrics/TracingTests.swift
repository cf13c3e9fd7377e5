import Cloakroom
import CloakroomTesting
import Foundation
import InMemoryTracing
import Testing
import Tracing

@Suite("Tracing: a span per operation and per store call")
struct TracingTests {
    private func attribute(_ span: FinishedInMemorySpan, _ name: String) -> String? {
        guard case .string(let value)? = span.attributes.get(name)?.toSpanAttribute() else { return nil }
        return value
    }

    @Test("store-call spans sit under the operation's span, which sits under the caller's")
    func spansNestUnderTheCaller() async throws {
        let tracer = InMemoryTracer()
        let store = MemorySessionStore()
        let manager = try SessionManager(store: store, tracer: tracer)
        let request = tracer.startSpan("GET /account", ofKind: .server)
        let issued = try await ServiceContext.withValue(request.context) {
            try await manager.create(userID: "ada@example.com", data: ["n": 1])
        }
        request.end()
        let spans = tracer.finishedSpans
        let create = try #require(spans.first { $0.operationName == "cloakroom.session.create" })
        let insert = try #require(spans.first { $0.operationName == "cloakroom.store.insert" })
        let root = try #require(spans.first { $0.operationName == "GET /account" })
        #expect(create.parentSpanID == root.spanID && create.traceID == root.traceID)
        #expect(insert.parentSpanID == create.spanID && insert.traceID == root.traceID)
        #expect(create.kind == .internal && insert.kind == .client)
        #expect(attribute(create, "cloakroom.operation") == "create")
        #expect(attribute(create, "cloakroom.outcome") == "ok")
        #expect(attribute(insert, "cloakroom.store") == store.name)
        #expect(attribute(insert, "cloakroom.operation") == "insert")
        #expect(create.status == nil)
        _ = issued
    }

    @Test("failures carry their outcome and error code, and only a system failure is an error status")
    func failuresAreMarked() async throws {
        let tracer = InMemoryTracer()
        let store = OutageSimulatingStore(MemorySessionStore())
        let manager = try SessionManager(store: store, tracer: tracer)
        await #expect(throws: CloakroomError.self) {
            try await manager.update(SessionID.generate(), changes: SessionChanges(set: ["n": 1]))
        }
        store.isDown = true
        await #expect(throws: CloakroomError.self) { try await manager.create() }
        let spans = tracer.finishedSpans
        let update = try #require(spans.first { $0.operationName == "cloakroom.session.update" })
        #expect(attribute(update, "cloakroom.outcome") == "rejected")
        #expect(attribute(update, "cloakroom.error.code") == "sessionNotFound")
        #expect(update.status == nil, "a request's own mistake is not the service failing")
        let create = try #require(spans.first { $0.operationName == "cloakroom.session.create" })
        #expect(attribute(create, "cloakroom.outcome") == "error")
        #expect(attribute(create, "cloakroom.error.code") == "storeUnavailable")
        #expect(create.status?.code == .error && create.status?.message == "storeUnavailable")
        let insert = try #require(spans.first { $0.operationName == "cloakroom.store.insert" })
        #expect(insert.parentSpanID == create.spanID && attribute(insert, "cloakroom.outcome") == "error")
        #expect(spans.allSatisfy { $0.errors.isEmpty && $0.events.isEmpty }, "errors are not recorded whole")
    }

    @Test("no span names or attributes a session ID, a user, or session data")
    func nothingSecretInAnySpan() async throws {
        let tracer = InMemoryTracer()
        let manager = try SessionManager(store: MemorySessionStore(), tracer: tracer)
        let issued = try await manager.create(userID: "ada@example.com", data: ["card": "4111-1111"])
        _ = try await manager.resume(issued.id)
        let rotated = try await manager.rotate(issued.id)
        _ = try await manager.update(rotated.id, changes: SessionChanges(set: ["n": 2]))
        _ = try await manager.sessions(ofUser: "ada@example.com")
        _ = try await manager.endAll(ofUser: "ada@example.com")
        let secrets = [issued.id.encoded, rotated.id.encoded, "ada@example.com", "4111", issued.session.handle]
        let spans = tracer.finishedSpans
        #expect(spans.count >= 12)
        for span in spans {
            var texts = [span.operationName]
            span.attributes.forEach { name, value in texts += [name, "\(value)"] }
            for text in texts {
                #expect(!secrets.contains(where: text.contains), "\(span.operationName): \(text)")
            }
        }
    }
}
