import APITestSupport
import Cloakroom
import CloakroomServer
import CloakroomTesting
import Foundation
import Hummingbird
import Testing

@Suite("HTTP API v1: sessions and users")
struct SessionsAPITests {
    @Test func createResumeUpdateRotateEnd() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let (id, created) = try await client.create(["user_id": "alice", "data": ["n": 0], "ip": "198.51.100.1"])
            #expect(id.count == 43)
            #expect(created["user_id"] as? String == "alice")
            #expect(created["version"] as? Int == 1)
            #expect((created["handle"] as? String)?.count == 16)

            let resumed = try await client.call(.post, "/v1/sessions/resume", json: ["id": id])
            #expect(resumed.status == .ok)
            #expect((resumed.session?["data"] as? [String: Any])?["n"] as? Int == 0)

            let updated = try await client.call(
                .post,
                "/v1/sessions/update",
                json: ["id": id, "set": ["n": 1, "x": "y"], "unset": ["n"], "if_version": 1]
            )
            #expect(updated.status == .ok)
            #expect(updated.session?["version"] as? Int == 2)
            #expect((updated.session?["data"] as? [String: Any])?.keys.sorted() == ["n", "x"])

            let stale = try await client.call(
                .post,
                "/v1/sessions/update",
                json: ["id": id, "set": ["a": 1], "if_version": 1]
            )
            #expect(stale.status == .conflict)
            #expect(stale.errorCode == "version_conflict")

            let rotated = try await client.call(.post, "/v1/sessions/rotate", json: ["id": id])
            #expect(rotated.status == .ok)
            let newID = try #require(rotated.json["id"] as? String)
            #expect(newID != id)
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": id]).status == .notFound)

            #expect(try await client.call(.post, "/v1/sessions/end", json: ["id": newID]).status == .noContent)
            let gone = try await client.call(.post, "/v1/sessions/resume", json: ["id": newID])
            #expect(gone.status == .notFound)
            #expect(gone.errorCode == "session_not_found")
        }
    }

    @Test func usersListAndEnd() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let first = try await client.create(["user_id": "bob"])
            let second = try await client.create(["user_id": "bob"])
            let third = try await client.create(["user_id": "bob"])
            _ = try await client.create(["user_id": "carol"])

            let listed = try await client.call(.get, "/v1/users/bob/sessions")
            let sessions = try #require(listed.json["sessions"] as? [[String: Any]])
            #expect(sessions.count == 3)
            #expect(sessions.allSatisfy { $0["data"] == nil })

            let handle = try #require(second.session["handle"] as? String)
            #expect(try await client.call(.delete, "/v1/users/carol/sessions/\(handle)").status == .notFound)
            #expect(try await client.call(.delete, "/v1/users/bob/sessions/\(handle)").status == .noContent)
            #expect(try await client.call(.delete, "/v1/users/bob/sessions/\(handle)").status == .notFound)

            let ended = try await client.call(.delete, "/v1/users/bob/sessions", json: ["except": third.id])
            #expect(ended.json["ended"] as? Int == 1)
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": first.id]).status == .notFound)
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": third.id]).status == .ok)
            #expect(try await client.call(.get, "/v1/users/carol/sessions").json["sessions"] as? [Any] != nil)
        }
    }

    @Test func percentEncodedUserIDsInPaths() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            _ = try await client.create(["user_id": "team/ünï cødé"])
            let listed = try await client.call(.get, "/v1/users/team%2F%C3%BCn%C3%AF%20c%C3%B8d%C3%A9/sessions")
            #expect((listed.json["sessions"] as? [Any])?.count == 1)
            let bad = try await client.call(.get, "/v1/users/%ZZ/sessions")
            #expect(bad.status == .badRequest)
        }
    }

    @Test func expiredSessionsAreNeverReturnedOrListed() async throws {
        let harness = try await APITestHarness(
            policy: SessionPolicy(idleTimeout: .seconds(2), absoluteTimeout: .seconds(5), touchInterval: .seconds(1))
        )
        try await harness.run { client in
            let (id, _) = try await client.create(["user_id": "dave"])
            harness.clock.advance(by: .seconds(2))
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": id]).status == .notFound)
            #expect((try await client.call(.get, "/v1/users/dave/sessions").json["sessions"] as? [Any])?.count == 0)
            #expect(
                try await client.call(.post, "/v1/sessions/update", json: ["id": id, "set": ["a": 1]]).status
                    == .notFound
            )
        }
    }

    @Test func tooLargeDataIs413AndNothingChanges() async throws {
        let harness = try await APITestHarness(policy: SessionPolicy(maximumDataSize: 1024))
        try await harness.run { client in
            let (id, _) = try await client.create()
            let big = String(repeating: "x", count: 2000)
            let reply = try await client.call(.post, "/v1/sessions/update", json: ["id": id, "set": ["big": big]])
            #expect(reply.status == .contentTooLarge)
            #expect(reply.errorCode == "data_too_large")
            let body = try await client.call(
                .post,
                "/v1/sessions",
                raw: "{\"data\": \"" + String(repeating: "y", count: 200_000) + "\"}"
            )
            #expect(body.status == .contentTooLarge)
            #expect(body.errorCode == "body_too_large")
        }
    }

    @Test("/health names the stores only to an admin key; anyone else sees the status alone")
    func healthDetailsForAdminsOnly() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let admin = try await client.call(.get, "/health")
            #expect(admin.status == .ok)
            #expect((admin.json["stores"] as? [[String: Any]])?.first?["name"] as? String == "memory")
            for authorization in [nil, "Bearer \(harness.sessionsOnlySecret)", "Bearer ck_wrong"] as [String?] {
                let reply = try await client.call(.get, "/health", authorization: authorization)
                #expect(reply.status == .ok)
                #expect(reply.json.keys.sorted() == ["status"], "\(reply.json)")
            }
        }
    }

    @Test("increment adds to the stored number and re-applies on conflict, so concurrent increments all count")
    func increment() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let (id, _) = try await client.create(["data": ["n": 5]])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        for _ in 0..<10 {
                            let reply = try await client.call(
                                .post,
                                "/v1/sessions/update",
                                json: ["id": id, "increment": ["n": 1, "m": -0.5]]
                            )
                            #expect(reply.status == .ok)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let data = try #require(
                try await client.call(.post, "/v1/sessions/resume", json: ["id": id]).session?["data"] as? [String: Any]
            )
            #expect(data["n"] as? Int == 165)
            #expect(data["m"] as? Double == -80)
            let string = try await client.call(
                .post,
                "/v1/sessions/update",
                json: ["id": id, "set": ["s": "x"], "increment": ["s": 1]]
            )
            #expect(string.status == .badRequest && string.errorCode == "invalid_data")
            let stored = try await client.call(.post, "/v1/sessions/resume", json: ["id": id])
            #expect((stored.session?["data"] as? [String: Any])?["s"] == nil, "a refused update changes nothing")
            let huge = try await client.call(.post, "/v1/sessions/update", json: ["id": id, "increment": ["n": 1e300]])
            #expect(huge.status == .badRequest)
        }
    }

    @Test("a rotation with a user records a sign-in as authenticated_at; without one it keeps the old time")
    func rotateRecordsSignIn() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let (anonymous, session) = try await client.create()
            #expect(session["authenticated_at"] is NSNull)
            harness.clock.advance(by: .seconds(30))
            let signedIn = try await client.call(
                .post,
                "/v1/sessions/rotate",
                json: ["id": anonymous, "user_id": "ada"]
            )
            #expect(signedIn.status == .ok && signedIn.session?["user_id"] as? String == "ada")
            let first = try #require(signedIn.session?["authenticated_at"] as? String)
            let id = try #require(signedIn.json["id"] as? String)
            harness.clock.advance(by: .seconds(600))
            let plain = try await client.call(.post, "/v1/sessions/rotate", json: ["id": id])
            #expect(plain.session?["authenticated_at"] as? String == first)
            let plainID = try #require(plain.json["id"] as? String)
            let again = try await client.call(.post, "/v1/sessions/rotate", json: ["id": plainID, "user_id": "ada"])
            let second = try #require(again.session?["authenticated_at"] as? String)
            #expect(second > first)
            let bad = try await client.call(.post, "/v1/sessions/rotate", json: ["id": plainID, "user_id": ""])
            #expect(bad.status == .badRequest || bad.status == .notFound)
        }
    }

    @Test("a resume from another IP is recorded as last seen, and can end the session")
    func resumeComparesTheClient() async throws {
        let recording = try await APITestHarness()
        try await recording.run { client in
            let (id, _) = try await client.create(["user_id": "ada", "ip": "198.51.100.7", "user_agent": "curl/8.5.0"])
            let moved = try await client.call(.post, "/v1/sessions/resume", json: ["id": id, "ip": "203.0.113.99"])
            #expect(moved.status == .ok && moved.session?["ip"] as? String == "203.0.113.99")
            let listed = try await client.call(.get, "/v1/users/ada/sessions")
            let sessions = try #require(listed.json["sessions"] as? [[String: Any]])
            #expect(sessions.first?["ip"] as? String == "203.0.113.99")
            let long = try await client.call(
                .post,
                "/v1/sessions/resume",
                json: ["id": id, "user_agent": String(repeating: "x", count: 2000)]
            )
            #expect(long.status == .badRequest && long.errorCode == "bad_request")
        }
        let ending = try await APITestHarness(policy: SessionPolicy(clientChange: ClientChangePolicy(ipChange: .end)))
        try await ending.run { client in
            let (id, _) = try await client.create(["user_id": "ada", "ip": "198.51.100.7"])
            let same = try await client.call(.post, "/v1/sessions/resume", json: ["id": id, "ip": "198.51.100.7"])
            #expect(same.status == .ok)
            let stolen = try await client.call(.post, "/v1/sessions/resume", json: ["id": id, "ip": "203.0.113.99"])
            #expect(stolen.status == .notFound)
            let after = try await client.call(.post, "/v1/sessions/resume", json: ["id": id])
            #expect(after.status == .notFound)
        }
    }

    @Test("a user's sessions come in pages, newest first, stable while sessions are used")
    func pagedList() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            var handles: [String] = []
            var ids: [String] = []
            for _ in 0..<7 {
                let (id, session) = try await client.create(["user_id": "pager"])
                handles.insert(try #require(session["handle"] as? String), at: 0)
                ids.append(id)
                harness.clock.advance(by: .seconds(1))
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let reply = try await client.call(.get, "/v1/users/pager/sessions?\(query)")
                #expect(reply.status == .ok)
                let sessions = try #require(reply.json["sessions"] as? [[String: Any]])
                seen += sessions.compactMap { $0["handle"] as? String }
                cursor = reply.json["next_cursor"] as? String
                pages += 1
                // Using the oldest session between pages moves nothing.
                harness.clock.advance(by: .seconds(120))
                _ = try await client.call(.post, "/v1/sessions/resume", json: ["id": ids[0]])
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == handles)
            let all = try await client.call(.get, "/v1/users/pager/sessions")
            #expect((all.json["sessions"] as? [Any])?.count == 7)
            #expect(all.json["next_cursor"] is NSNull)
            for bad in ["limit=0", "limit=1001", "limit=x", "cursor=abc", "cursor=1-zzzzzzzzzzzzzzzz"] {
                let reply = try await client.call(.get, "/v1/users/pager/sessions?\(bad)")
                #expect(reply.status == .badRequest, "\(bad)")
            }
        }
    }
}
