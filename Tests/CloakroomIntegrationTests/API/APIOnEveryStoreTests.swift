import APITestSupport
import Cloakroom
import CloakroomTesting
import Foundation
import Hummingbird
import TestSupport
import Testing

/// The HTTP API's walk-through, concurrent writers and bad input on every store (the memory store
/// has its own tests in `CloakroomServerTests`): what a client of `cloakroomd` relies on must not
/// depend on the store behind it.
@Suite("HTTP API on every store")
struct APIOnEveryStoreTests {
    typealias Kind = IntegrationStore

    @Test(arguments: [Kind.sqlite, .file]) func embedded(_ kind: Kind) async throws {
        try await walkThrough(kind)
    }

    @Test(.needsServer("CLOAKROOM_TEST_POSTGRES")) func postgres() async throws {
        try await walkThrough(.postgres)
    }

    @Test(.needsServer("CLOAKROOM_TEST_REDIS")) func redis() async throws {
        try await walkThrough(.redis)
    }

    @Test(.needsServer("CLOAKROOM_TEST_REDIS_CLUSTER")) func redisCluster() async throws {
        try await walkThrough(.redisCluster)
    }

    func walkThrough(_ kind: Kind) async throws {
        let folder = try TemporaryFolder()
        let store = try kind.make(name: "api_\(UInt32.random(in: 0...UInt32.max))", in: folder)
        let harness = try await APITestHarness(store: store, clock: ManualClock(start: Date()))
        try await store.withRunning {
            try await harness.run { client in
                try await Self.lifecycle(client)
                try await Self.concurrentWriters(client)
                try await Self.badInput(client)
            }
        }
    }

    /// Create, resume, update (with and without a version), rotate, list, end by handle, end all
    /// but one, end.
    static func lifecycle(_ client: APITestHarness.Client) async throws {
        let (id, session) = try await client.create([
            "user_id": "alice", "data": ["cart": [Int]()], "ip": "203.0.113.5",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0",
        ])
        #expect(id.count == 43)
        #expect(session["device"] as? String == "Firefox on Linux")
        for field in [
            "handle", "user_id", "data", "created_at", "last_seen_at", "idle_expires_at", "absolute_expires_at",
            "version", "ip", "user_agent", "device",
        ] {
            #expect(session[field] != nil, "the session has '\(field)'")
        }
        let resumed = try await client.call(.post, "/v1/sessions/resume", json: ["id": id])
        #expect((resumed.session?["data"] as? [String: Any])?["cart"] as? [Int] == [])
        let updated = try await client.call(
            .post,
            "/v1/sessions/update",
            json: ["id": id, "set": ["cart": [1]], "if_version": 1]
        )
        #expect(updated.status == .ok && updated.session?["version"] as? Int == 2)
        let stale = try await client.call(
            .post,
            "/v1/sessions/update",
            json: ["id": id, "set": ["x": 1], "if_version": 1]
        )
        #expect(stale.status == .conflict && stale.errorCode == "version_conflict")
        let rotated = try await client.call(.post, "/v1/sessions/rotate", json: ["id": id])
        #expect(rotated.status == .ok && rotated.json["id"] as? String != id)
        #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": id]).status == .notFound)

        _ = try await client.create(["user_id": "alice"])
        let listed = try await client.call(.get, "/v1/users/alice/sessions")
        let summaries = try #require(listed.json["sessions"] as? [[String: Any]])
        #expect(summaries.count == 2)
        #expect(summaries.allSatisfy { $0["data"] == nil }, "summaries carry no data")
        let handle = try #require(summaries.last?["handle"] as? String)
        #expect(try await client.call(.delete, "/v1/users/alice/sessions/\(handle)").status == .noContent)
        #expect(try await client.call(.delete, "/v1/users/alice/sessions/\(handle)").status == .notFound)
        let (third, _) = try await client.create(["user_id": "alice"])
        let endAll = try await client.call(.delete, "/v1/users/alice/sessions", json: ["except": third])
        #expect(endAll.status == .ok && endAll.json["ended"] as? Int == 1)
        #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": third]).status == .ok)
        #expect(try await client.call(.post, "/v1/sessions/end", json: ["id": third]).status == .noContent)
        #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": third]).status == .notFound)
    }

    /// 16 writers × 25 keys of one session all survive; 16 × 25 server-side increments all count.
    static func concurrentWriters(_ client: APITestHarness.Client) async throws {
        let (id, _) = try await client.create()
        let (counter, _) = try await client.create(["data": ["n": 0]])
        let writers = 16
        let perWriter = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for key in 0..<perWriter {
                        let set = try await client.call(
                            .post,
                            "/v1/sessions/update",
                            json: ["id": id, "set": ["w\(writer)-k\(key)": key]]
                        )
                        #expect(set.status == .ok)
                        let added = try await client.call(
                            .post,
                            "/v1/sessions/update",
                            json: ["id": counter, "increment": ["n": 1]]
                        )
                        #expect(added.status == .ok)
                    }
                }
            }
            try await group.waitForAll()
        }
        let keys = try await client.call(.post, "/v1/sessions/resume", json: ["id": id])
        #expect((keys.session?["data"] as? [String: Any])?.count == writers * perWriter)
        let total = try await client.call(.post, "/v1/sessions/resume", json: ["id": counter])
        #expect((total.session?["data"] as? [String: Any])?["n"] as? Int == writers * perWriter)
    }

    /// Malformed bodies, IDs and paths get a 4xx with the error shape, never a 5xx.
    static func badInput(_ client: APITestHarness.Client) async throws {
        let unknown = SessionID.generate().encoded
        let cases: [(HTTPRequest.Method, String, String?)] = [
            (.post, "/v1/sessions", "{"),
            (.post, "/v1/sessions", "[1]"),
            (.post, "/v1/sessions", #"{"user_id": 12}"#),
            (.post, "/v1/sessions", #"{"data": "nope"}"#),
            (.post, "/v1/sessions/resume", #"{"id": "short"}"#),
            (.post, "/v1/sessions/resume", #"{"id": "\#(unknown)"}"#),
            (.post, "/v1/sessions/update", #"{"id": "\#(unknown)", "if_version": "x"}"#),
            (.post, "/v1/sessions/update", #"{"id": "\#(unknown)", "unset": 5}"#),
            (.get, "/v1/users/%ZZ/sessions", nil),
            (.delete, "/v1/users/a/sessions/..%2F..%2Fetc", nil),
            (.delete, "/v1/users/a/sessions/%00", nil),
        ]
        for (method, path, body) in cases {
            let reply = try await client.call(method, path, raw: body)
            #expect((400..<500).contains(reply.status.code), "\(method) \(path) \(body ?? "") answered \(reply.status)")
            #expect(reply.errorCode != nil, "\(method) \(path) answers the error shape")
        }
    }
}
