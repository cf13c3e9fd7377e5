import APITestSupport
import Cloakroom
import CloakroomServer
import CloakroomTesting
import Foundation
import Hummingbird
import Testing

@Suite("HTTP API v1: bad input gets a 4xx with the error shape")
struct BadInputTests {
    static let validID = SessionID.generate().encoded

    static let badBodies: [(uri: String, body: String, status: Int)] = [
        ("/v1/sessions", "{", 400),
        ("/v1/sessions", "[]", 400),
        ("/v1/sessions", "\"text\"", 400),
        ("/v1/sessions", #"{"user_id": 5}"#, 400),
        ("/v1/sessions", #"{"user_id": ""}"#, 400),
        ("/v1/sessions", #"{"user_id": "tab\there"}"#, 400),
        ("/v1/sessions", "{\"user_id\": \"\(String(repeating: "u", count: 300))\"}", 400),
        ("/v1/sessions", #"{"data": [1, 2]}"#, 400),
        ("/v1/sessions", #"{"data": "x"}"#, 400),
        ("/v1/sessions", "{\"ip\": \"\(String(repeating: "1", count: 100))\"}", 400),
        ("/v1/sessions/resume", "", 400),
        ("/v1/sessions/resume", "{}", 400),
        ("/v1/sessions/resume", #"{"id": null}"#, 400),
        ("/v1/sessions/resume", #"{"id": 12}"#, 400),
        ("/v1/sessions/resume", #"{"id": "short"}"#, 400),
        ("/v1/sessions/resume", "{\"id\": \"\(String(repeating: "=", count: 43))\"}", 400),
        ("/v1/sessions/resume", "{\"id\": \"\(validID)\"}", 404),
        ("/v1/sessions/update", "{\"id\": \"\(validID)\", \"set\": {\"a\": 1}}", 404),
        ("/v1/sessions/update", "{\"id\": \"\(validID)\", \"set\": [1]}", 400),
        ("/v1/sessions/update", "{\"id\": \"\(validID)\", \"unset\": \"a\"}", 400),
        ("/v1/sessions/update", "{\"id\": \"\(validID)\", \"if_version\": \"1\"}", 400),
        ("/v1/sessions/update", "{\"id\": \"\(validID)\", \"if_version\": -1}", 400),
        ("/v1/sessions/update", "{\"id\": \"\(validID)\", \"if_version\": 1.5}", 400),
        ("/v1/sessions/rotate", "{\"id\": \"\(validID)\"}", 404),
        ("/v1/sessions/end", #"{"id": "nope"}"#, 400),
        ("/v1/sessions/end", "{\"id\": \"\(validID)\"}", 204),
        ("/v1/sessions/nope", "{}", 404),
    ]

    @Test(arguments: 0..<badBodies.count)
    func rejectsBadBody(_ index: Int) async throws {
        let (uri, body, status) = Self.badBodies[index]
        let harness = try await APITestHarness()
        try await harness.run { client in
            let reply = try await client.call(.post, uri, raw: body)
            #expect(reply.status.code == status, "\(uri) \(body.prefix(60)) answered \(reply.status)")
            if status >= 400 {
                #expect(reply.errorCode != nil, "\(uri) \(body.prefix(60)) has no error shape")
                #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
            }
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test(arguments: [
        (nil as String?, 401), ("Bearer", 401), ("Bearer ", 401), ("Basic abc", 401), ("Bearer wrong", 401),
        ("bearer wrong", 401),
    ])
    func missingOrWrongAuthorization(_ header: String?, _ status: Int) async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let reply = try await client.call(.post, "/v1/sessions", json: [:], authorization: header)
            #expect(reply.status.code == status)
            #expect(reply.errorCode == "unauthorized")
            #expect(reply.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test(
        "a path taken with another method answers 405 with Allow; a path no route has, 404",
        arguments: [
            ("PUT", "/v1/sessions", 405, "POST"), ("GET", "/v1/sessions/resume", 405, "POST"),
            ("POST", "/v1/users/ada/sessions", 405, "DELETE, GET"),
            ("GET", "/v1/users/ada/sessions/abc", 405, "DELETE"),
            ("TRACE", "/health", 405, "GET"), ("DELETE", "/signin", 405, "GET, POST"),
            ("GET", "/v1/nothing", 404, nil), ("GET", "/v1/users/ada", 404, nil),
            ("GET", "/v1/sessions/resume/x", 404, nil),
        ] as [(String, String, Int, String?)]
    )
    func wrongMethod(_ method: String, _ uri: String, _ status: Int, _ allow: String?) async throws {
        let harness = try await APITestHarness()
        try await harness.run(pages: PageOptions(demoSignIn: true)) { client in
            let reply = try await client.call(HTTPRequest.Method(method)!, uri)
            #expect(reply.status.code == status)
            #expect(reply.errorCode == (status == 405 ? "method_not_allowed" : "not_found"))
            #expect(reply.headers[.allow] == allow)
        }
    }

    @Test func scopesAreEnforced() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let forbidden = try await client.call(
                .post,
                "/v1/sessions",
                json: [:],
                authorization: "Bearer \(harness.tokensOnlySecret)"
            )
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.errorCode == "forbidden")
            let allowed = try await client.call(
                .post,
                "/v1/sessions",
                json: [:],
                authorization: "Bearer \(harness.sessionsOnlySecret)"
            )
            #expect(allowed.status == .created)
        }
    }

    @Test(arguments: [
        "/v1/users//sessions", "/v1/users/a/sessions/0123456789abcdef/extra",
        "/v1/users/a/sessions/..%2F..", "/v1/users/a/sessions/%00", "/../../etc/passwd", "/v1/users/%ZZ/sessions/x",
    ])
    func oddPathsAndHandles(_ path: String) async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let reply = try await client.call(.delete, path)
            #expect((400..<500).contains(reply.status.code), "\(path) answered \(reply.status)")
            #expect(reply.errorCode != nil)
        }
    }

    @Test func corruptStoredBytesAreNoSessionNotA500() async throws {
        let store = MemorySessionStore()
        let harness = try await APITestHarness(store: store)
        let id = SessionID.generate()
        let now = harness.clock.now
        try await store.insert(
            StoredSession(
                key: id.key,
                userID: nil,
                payload: [0x01, 0x02, 0x03],
                metadata: SessionMetadata(createdAt: now, lastSeenAt: now),
                idleDeadline: now.addingTimeInterval(60),
                absoluteDeadline: now.addingTimeInterval(60),
                version: 1
            ),
            now: now
        )
        try await harness.run { client in
            let reply = try await client.call(.post, "/v1/sessions/resume", json: ["id": id.encoded])
            #expect(reply.status == .notFound)
            #expect(reply.errorCode == "session_unreadable")
        }
    }
}
